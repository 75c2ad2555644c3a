// The panel's toolbar: Up and Refresh, the breadcrumbs (which turn into an editable path
// field on a click of the pencil, a double click, or Ctrl+L), the filter box, the hidden-file
// switch, and New folder / Upload. Handlers come from the panel.
import { crumbs, h, icon, iconButton } from "./dom.js";

export class Toolbar {
  // handlers: up, refresh, navigate(path), filter(text), hidden(bool), newFolder, upload(button)
  constructor(handlers, idPrefix) {
    this.handlers = handlers;
    this.up = iconButton("up", "Parent folder (Backspace)", handlers.up);
    this.refreshButton = iconButton("refresh", "Refresh", handlers.refresh);
    this.crumbs = h("ol", { class: "files-crumbs" });
    this.crumbNav = h("nav", { class: "files-crumb-nav", "aria-label": "Path" }, this.crumbs);
    this.crumbNav.addEventListener("dblclick", (event) => {
      if (!event.target.closest("button")) this.editPath();
    });
    this.editButton = iconButton("pencil", "Edit the path (Ctrl+L)", () => this.editPath());
    this.pathInput = h("input", { class: "files-path mono", type: "text", "aria-label": "Path", spellcheck: "false", autocomplete: "off", hidden: true });
    this.pathInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        const value = this.pathInput.value.trim();
        this.closePath();
        if (value) handlers.navigate(value);
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.closePath();
      }
    });
    this.pathInput.addEventListener("blur", () => this.closePath());
    const filterId = `${idPrefix}-filter`;
    this.filter = h("input", { id: filterId, class: "files-filter", type: "search", placeholder: "Filter", "aria-label": "Filter by name", autocomplete: "off", spellcheck: "false" });
    this.filter.addEventListener("input", () => handlers.filter(this.filter.value));
    this.filter.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.filter.value) {
        event.stopPropagation();
        this.filter.value = "";
        handlers.filter("");
      }
    });
    this.hidden = h("input", { type: "checkbox", role: "switch" });
    this.hidden.addEventListener("change", () => handlers.hidden(this.hidden.checked));
    this.newFolderButton = h("button", { type: "button", class: "btn btn-small", "aria-label": "New folder", onclick: handlers.newFolder }, icon("newFolder"), h("span", { class: "files-btn-text", text: "New folder" }));
    this.uploadButton = h("button", { type: "button", class: "btn btn-primary btn-small", "aria-label": "Upload", "aria-haspopup": "menu" }, icon("upload"), h("span", { class: "files-btn-text", text: "Upload" }));
    this.uploadButton.addEventListener("click", () => handlers.upload(this.uploadButton));
    this.readOnlyBadge = h("span", { class: "badge badge-warning files-ro", hidden: true }, "Read-only");
    this.el = h(
      "div",
      { class: "files-toolbar", role: "toolbar", "aria-label": "Files" },
      h("div", { class: "files-nav" }, this.up, this.refreshButton, this.crumbNav, this.pathInput, this.editButton),
      h(
        "div",
        { class: "files-tools" },
        h("span", { class: "files-filter-wrap" }, icon("filter"), this.filter),
        h("label", { class: "switch files-hidden-switch" }, this.hidden, h("span", { text: "Hidden" })),
        this.readOnlyBadge,
        this.newFolderButton,
        this.uploadButton,
      ),
    );
  }

  setPath(path, parent) {
    this.path = path;
    this.up.disabled = !parent;
    const parts = crumbs(path);
    this.crumbs.replaceChildren(
      ...parts.map(([label, target], index) => {
        const last = index === parts.length - 1;
        const button = h("button", { type: "button", class: "files-crumb", text: label, title: target, "aria-current": last ? "location" : null });
        button.addEventListener("click", () => this.handlers.navigate(target));
        return h("li", {}, button);
      }),
    );
    this.showDeepest();
  }

  // Keep the deepest folder in view when the path is longer than the bar (also on resize).
  showDeepest() {
    this.crumbNav.scrollLeft = this.crumbNav.scrollWidth;
    if (!this.resizeWatch) {
      this.resizeWatch = new ResizeObserver(() => {
        this.crumbNav.scrollLeft = this.crumbNav.scrollWidth;
      });
      this.resizeWatch.observe(this.crumbNav);
    }
  }

  destroy() {
    if (this.resizeWatch) this.resizeWatch.disconnect();
  }

  editPath() {
    this.pathInput.value = this.path || "";
    this.crumbNav.hidden = true;
    this.editButton.hidden = true;
    this.pathInput.hidden = false;
    this.pathInput.focus();
    this.pathInput.select();
  }

  closePath() {
    if (this.pathInput.hidden) return;
    this.pathInput.hidden = true;
    this.crumbNav.hidden = false;
    this.editButton.hidden = false;
  }

  setReadOnly(readOnly, reason) {
    this.readOnlyBadge.hidden = !readOnly;
    this.readOnlyBadge.title = readOnly ? reason : "";
    for (const button of [this.newFolderButton, this.uploadButton]) {
      button.disabled = readOnly;
      button.title = readOnly ? reason : "";
    }
  }
}
