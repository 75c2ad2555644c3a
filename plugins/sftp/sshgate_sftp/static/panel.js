// The "files" panel: one server's file browser, as a tab of its own or in the right half of
// the terminal's split tab. It holds the state (folder, entries, sort, filter, selection)
// and wires the toolbar, the table, the menu, the keyboard, drops and the upload queue.
import { describeError } from "../../app/api.js";
import * as actions from "./actions.js";
import { dirName, formatBytes, h, joinPath } from "./dom.js";
import { fromFileList, installDropZone } from "./drop.js";
import { FilesApi } from "./fileapi.js";
import { handleKey } from "./keyboard.js";
import { Listing, isDir, visibleEntries } from "./listing.js";
import { Menu } from "./menu.js";
import { entryMenu, uploadMenu } from "./menus.js";
import { Selection } from "./selection.js";
import { Toolbar } from "./toolbar.js";
import { UploadQueue } from "./uploads.js";

let nextPanel = 1;

export class FilesPanel {
  constructor(el, ctx) {
    this.ctx = ctx;
    this.api = new FilesApi(ctx.server.id);
    this.id = `sftp-${nextPanel++}`;
    this.cwd = "";
    this.parent = null;
    this.entries = [];
    this.visible = [];
    this.view = { sortKey: "name", sortDir: "asc", filter: "", showHidden: false };
    this.readOnly = Boolean(ctx.server.sftp_read_only);
    this.selection = new Selection();
    this.loadToken = 0;
    this.toolbar = new Toolbar({
      up: () => this.parent && this.navigate(this.parent),
      refresh: () => this.refresh(),
      navigate: (path) => this.navigate(path),
      filter: (text) => this.setView({ filter: text }),
      hidden: (show) => this.setView({ showHidden: show }),
      newFolder: () => actions.newFolder(this),
      upload: (button) => {
        const box = button.getBoundingClientRect();
        this.menu.open(uploadMenu(this), box.left, box.bottom + 4, button);
      },
    }, this.id);
    this.listing = new Listing({
      onSort: (key) => this.sortBy(key),
      onRowClick: (index, event) => this.clickRow(index, event),
      onOpen: (index) => actions.openEntry(this, this.visible[index]),
      onContext: (index, event) => this.contextMenu(index, event),
    }, this.id);
    this.listing.setSort("name", "asc");
    this.listing.table.addEventListener("keydown", (event) => handleKey(this, event));
    this.message = h("div", { class: "files-message", role: "status" });
    this.scroller = h("div", { class: "files-scroll" }, this.listing.table, this.message);
    this.scroller.addEventListener("contextmenu", (event) => {
      if (event.target.closest("tr[data-index]")) return;
      event.preventDefault();
      this.selection.clear();
      this.syncSelection();
      this.menu.open(entryMenu(this, []), event.clientX, event.clientY, this.listing.table);
    });
    this.scroller.addEventListener("click", (event) => {
      if (event.target === this.scroller || event.target === this.message) {
        this.selection.clear();
        this.syncSelection();
      }
    });
    this.status = h("div", { class: "files-statusbar", "aria-live": "polite" });
    this.queue = new UploadQueue(this.api, { onFinished: (path) => this.uploaded(path) });
    this.dropHint = h("div", { class: "files-drop-hint", "aria-hidden": "true" });
    this.fileInput = h("input", { type: "file", multiple: true, hidden: true, "aria-label": "Files to upload" });
    this.folderInput = h("input", { type: "file", multiple: true, webkitdirectory: true, hidden: true, "aria-label": "Folder to upload" });
    for (const input of [this.fileInput, this.folderInput]) {
      input.addEventListener("change", () => {
        if (input.files.length) this.upload(fromFileList(input.files), this.cwd);
        input.value = "";
      });
    }
    this.root = h("div", { class: "files", "data-server-id": ctx.server.id }, this.toolbar.el, this.scroller, this.status, this.queue.el, this.dropHint, this.fileInput, this.folderInput);
    this.menu = new Menu(this.root, "File actions");
    this.root.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "l") {
        event.preventDefault();
        this.toolbar.editPath();
      }
    });
    installDropZone(this);
    el.append(this.root);
  }

  async start(path) {
    this.setMessage("Connecting…", "loading");
    const before = this.loadToken;
    try {
      const roots = await this.api.roots();
      this.readOnly = Boolean(roots.read_only);
      this.home = roots.start;
      this.toolbar.setReadOnly(this.readOnly, actions.READ_ONLY_REASON);
      if (!this.readOnly) this.queue.loadPending();
      // Someone typed a path while the roots were on their way: theirs wins.
      if (this.loadToken === before) await this.navigate(path || roots.start);
      else this.renderStatus();
    } catch (error) {
      this.showError(error, null);
    }
  }

  async navigate(path, { select = [] } = {}) {
    const token = ++this.loadToken;
    const slow = setTimeout(() => token === this.loadToken && this.setMessage("Loading…", "loading"), 150);
    try {
      const answer = await this.api.list(path);
      if (token !== this.loadToken) return;
      const moved = answer.path !== this.cwd;
      this.cwd = answer.path;
      this.parent = answer.parent;
      this.entries = answer.entries;
      this.truncated = answer.truncated;
      this.toolbar.setPath(this.cwd, this.parent);
      if (moved) {
        this.selection.clear();
        this.selection.cursor = -1;
      }
      for (const chosen of select) this.selection.paths.add(chosen);
      this.render();
      if (select.length) {
        const index = this.visible.findIndex((entry) => entry.path === select[0]);
        if (index >= 0) this.selection.cursor = index;
        this.syncSelection();
        this.listing.scrollToCursor(this.selection);
      }
    } catch (error) {
      if (token === this.loadToken) this.showError(error, path);
    } finally {
      clearTimeout(slow);
    }
  }

  refresh(options = {}) {
    return this.navigate(this.cwd || this.home || ".", options);
  }

  setView(changes) {
    Object.assign(this.view, changes);
    this.render();
  }

  sortBy(key) {
    const dir = this.view.sortKey === key && this.view.sortDir === "asc" ? "desc" : "asc";
    this.listing.setSort(key, dir);
    this.setView({ sortKey: key, sortDir: dir });
  }

  render() {
    this.visible = visibleEntries(this.entries, this.view);
    this.selection.retain(this.visible);
    this.listing.table.hidden = false;
    this.listing.render(this.visible, this.selection);
    if (!this.entries.length) this.setMessage("This folder is empty. Drop files here, or use Upload.", "empty");
    else if (!this.visible.length) this.setMessage(this.view.filter ? `Nothing here matches “${this.view.filter}”.` : "Only hidden files here: switch on Hidden to see them.", "empty");
    else this.setMessage("", "");
    this.renderStatus();
  }

  setMessage(text, kind) {
    this.message.textContent = text;
    this.message.dataset.kind = kind;
    this.message.hidden = !text;
    if (kind === "loading") this.message.prepend(h("span", { class: "spinner", "aria-hidden": "true" }));
  }

  showError(error, path) {
    // With a folder on screen, stay there and say why the other one did not open.
    if (this.cwd && path !== null) {
      this.render(); // also clears "Loading…"
      this.ctx.notify(`Could not open ${path}: ${describeError(error)}`, "error");
      return;
    }
    this.listing.table.hidden = true;
    this.message.replaceChildren();
    this.message.dataset.kind = "error";
    this.message.hidden = false;
    const title = path ? `Could not open ${path}` : "Could not connect to the file browser";
    this.message.append(h("strong", { text: title }), h("p", { text: describeError(error) }));
    const retry = h("button", { type: "button", class: "btn btn-small", text: "Try again", onclick: () => (this.cwd ? this.refresh() : this.start(path)) });
    const home = this.home && path !== this.home ? h("button", { type: "button", class: "btn btn-small", text: "Go to the start folder", onclick: () => this.navigate(this.home) }) : null;
    this.message.append(h("div", { class: "row" }, retry, home));
  }

  renderStatus() {
    const chosen = this.selection.entries(this.visible);
    const bytes = chosen.reduce((sum, entry) => sum + (isDir(entry) ? 0 : Number(entry.size) || 0), 0);
    const parts = [`${this.visible.length} of ${this.entries.length} items`];
    if (chosen.length) parts.push(`${chosen.length} selected (${formatBytes(bytes)})`);
    if (this.truncated) parts.push("listing truncated");
    this.status.replaceChildren(h("span", { text: parts.join(" · ") }));
    if (this.readOnly) this.status.append(h("span", { class: "files-status-ro", text: "Read-only server: uploads, edits, renames and deletions are off." }));
  }

  syncSelection() {
    this.listing.syncSelection(this.visible, this.selection);
    this.renderStatus();
  }

  clickRow(index, event) {
    this.selection.click(index, this.visible, { shift: event.shiftKey, mod: event.ctrlKey || event.metaKey });
    this.syncSelection();
    this.listing.table.focus({ preventScroll: true });
  }

  contextMenu(index, event) {
    event.preventDefault();
    const entry = this.visible[index];
    if (!this.selection.has(entry.path)) this.selection.only(index, this.visible);
    else this.selection.cursor = index;
    this.syncSelection();
    this.menu.open(entryMenu(this, this.selection.entries(this.visible)), event.clientX, event.clientY, this.listing.table);
  }

  // The menu for the keyboard (Shift+F10, the context-menu key): at the cursor row.
  keyboardMenu() {
    const row = this.listing.rowElement(this.selection.cursor);
    const box = (row || this.listing.table).getBoundingClientRect();
    this.menu.open(entryMenu(this, this.selection.targets(this.visible)), box.left + 24, box.top + Math.min(box.height, 28), this.listing.table);
  }

  pick(folder) {
    (folder ? this.folderInput : this.fileInput).click();
  }

  async upload(batch, base) {
    if (this.readOnly) {
      this.ctx.notify(actions.READ_ONLY_REASON, "error");
      return;
    }
    if (!(await actions.makeFolders(this, base, batch.dirs))) return;
    if (batch.dirs.length && dirName(joinPath(base, batch.dirs[0])) === this.cwd) this.refreshSoon();
    for (const { file, relPath } of batch.files) this.queue.add({ file, path: joinPath(base, relPath), label: relPath });
  }

  uploaded(path) {
    if (dirName(path) === this.cwd || path.startsWith(`${this.cwd}/`)) this.refreshSoon();
  }

  refreshSoon() {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh(), 250);
  }

  unmount() {
    this.menu.destroy();
    this.toolbar.destroy();
    this.queue.cancelAll();
    clearTimeout(this.refreshTimer);
  }
}
