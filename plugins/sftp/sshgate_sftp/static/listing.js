// The directory table: sortable columns (name, size, modified, permissions, owner), the
// hidden-file toggle and the filter, and one row per entry. Directories always come first.
// The table is a single-tab-stop grid: the keyboard moves a cursor row (aria-activedescendant).
import { formatBytes, formatTime, h, icon } from "./dom.js";

export const COLUMNS = [
  { key: "name", label: "Name" },
  { key: "size", label: "Size" },
  { key: "mtime", label: "Modified" },
  { key: "permissions", label: "Permissions" },
  { key: "owner", label: "Owner" },
];

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

function isDir(entry) {
  return entry.type === "dir" || (entry.type === "link" && entry.target_type === "dir");
}

function compare(key) {
  if (key === "name" || key === "permissions" || key === "owner") {
    return (a, b) => collator.compare(String(a[key] ?? ""), String(b[key] ?? "")) || collator.compare(a.name, b.name);
  }
  return (a, b) => (Number(a[key]) || 0) - (Number(b[key]) || 0) || collator.compare(a.name, b.name);
}

// What the table shows: filtered, hidden files dropped unless asked for, sorted.
export function visibleEntries(entries, { sortKey, sortDir, filter, showHidden }) {
  const needle = filter.trim().toLowerCase();
  const rows = entries.filter((e) => (showHidden || !e.name.startsWith(".")) && (!needle || e.name.toLowerCase().includes(needle)));
  const order = compare(sortKey);
  const sign = sortDir === "desc" ? -1 : 1;
  return rows.sort((a, b) => (isDir(b) - isDir(a)) || sign * order(a, b));
}

export { isDir };

function typeIcon(entry) {
  if (entry.type === "link") return icon("link");
  if (entry.type === "dir") return icon("folder");
  if (entry.type === "file") return icon("file");
  return icon("other");
}

export class Listing {
  // handlers: onSort(key), onRowClick(index, event), onOpen(index), onContext(index, event)
  constructor(handlers, idPrefix) {
    this.handlers = handlers;
    this.idPrefix = idPrefix;
    this.sortKey = "name";
    this.sortDir = "asc";
    this.headers = new Map();
    const headRow = h("tr", { role: "row" });
    for (const column of COLUMNS) {
      const button = h("button", { type: "button", class: "files-sort", onclick: () => handlers.onSort(column.key) }, column.label, h("span", { class: "files-sort-mark", "aria-hidden": "true" }));
      const th = h("th", { role: "columnheader", scope: "col", class: `col-${column.key}` }, button);
      this.headers.set(column.key, th);
      headRow.append(th);
    }
    this.body = h("tbody");
    this.table = h("table", { class: "files-table", role: "grid", "aria-multiselectable": "true", "aria-label": "Files", tabindex: "0" }, h("thead", {}, headRow), this.body);
    this.body.addEventListener("click", (event) => this.rowEvent(event, handlers.onRowClick));
    this.body.addEventListener("dblclick", (event) => this.rowEvent(event, (index) => handlers.onOpen(index)));
    this.body.addEventListener("contextmenu", (event) => this.rowEvent(event, handlers.onContext));
  }

  rowEvent(event, handler) {
    const row = event.target.closest("tr[data-index]");
    if (!row) return;
    handler(Number(row.dataset.index), event);
  }

  setSort(key, dir) {
    this.sortKey = key;
    this.sortDir = dir;
    for (const [column, th] of this.headers) {
      th.setAttribute("aria-sort", column === key ? (dir === "asc" ? "ascending" : "descending") : "none");
      th.querySelector(".files-sort-mark").textContent = column === key ? (dir === "asc" ? "▲" : "▼") : "";
    }
  }

  rowId(index) {
    return `${this.idPrefix}-row-${index}`;
  }

  render(items, selection) {
    const rows = items.map((entry, index) => {
      const name = h("span", { class: "files-name-text", text: entry.name });
      const nameCell = h("td", { role: "gridcell", class: "col-name" }, h("span", { class: `files-icon type-${entry.type}` }, typeIcon(entry)), name);
      if (entry.type === "link" && entry.link_target) {
        nameCell.append(h("span", { class: "files-link-target", text: `→ ${entry.link_target}` }));
      }
      const row = h(
        "tr",
        { role: "row", id: this.rowId(index), "data-index": index, "data-name": entry.name, class: isDir(entry) ? "is-dir" : "", "aria-selected": selection.has(entry.path) ? "true" : "false" },
        nameCell,
        h("td", { role: "gridcell", class: "col-size num", text: isDir(entry) ? "" : formatBytes(entry.size) }),
        h("td", { role: "gridcell", class: "col-mtime", text: formatTime(entry.mtime) }),
        h("td", { role: "gridcell", class: "col-permissions mono", text: entry.permissions || entry.mode || "" }),
        h("td", { role: "gridcell", class: "col-owner", text: [entry.owner, entry.group].filter(Boolean).join(":") }),
      );
      if (entry.undecodable) row.title = "This name is not valid in the server's encoding: it cannot be opened from here.";
      return row;
    });
    this.body.replaceChildren(...rows);
    this.syncSelection(items, selection);
  }

  // Only the selection changed: update attributes, not rows.
  syncSelection(items, selection) {
    for (const row of this.body.rows) {
      const index = Number(row.dataset.index);
      const entry = items[index];
      row.setAttribute("aria-selected", entry && selection.has(entry.path) ? "true" : "false");
      row.classList.toggle("is-cursor", index === selection.cursor);
    }
    if (selection.cursor >= 0 && selection.cursor < items.length) {
      this.table.setAttribute("aria-activedescendant", this.rowId(selection.cursor));
    } else {
      this.table.removeAttribute("aria-activedescendant");
    }
  }

  scrollToCursor(selection) {
    const row = this.body.rows[selection.cursor];
    if (row) row.scrollIntoView({ block: "nearest" });
  }

  rowElement(index) {
    return this.body.rows[index] || null;
  }
}
