// The right-click menu (also Shift+F10 / the context-menu key, and the toolbar's "Upload"
// button). It is a popover, so it sits in the top layer above the tab, and closes itself on
// Esc or a click elsewhere. Items: {label, run, disabled, reason, danger} or "-" for a rule.
import { h } from "./dom.js";

export class Menu {
  constructor(host, label) {
    this.el = h("div", { class: "files-menu", role: "menu", "aria-label": label, popover: "auto" });
    this.el.addEventListener("keydown", (event) => this.onKey(event));
    this.el.addEventListener("toggle", (event) => {
      if (event.newState === "closed" && this.returnFocus) {
        const target = this.returnFocus;
        this.returnFocus = null;
        if (document.activeElement === document.body || this.el.contains(document.activeElement)) target.focus();
      }
    });
    host.append(this.el);
    // Coordinates belong to the layout they were taken in: a resize closes the menu.
    this.onResize = () => this.close();
    window.addEventListener("resize", this.onResize);
  }

  destroy() {
    window.removeEventListener("resize", this.onResize);
    this.close();
  }

  // Show at viewport coordinates (x, y), kept inside the window.
  open(items, x, y, returnFocus = null) {
    this.returnFocus = returnFocus;
    const nodes = items.map((item) => {
      if (item === "-") return h("div", { class: "menu-sep", role: "separator" });
      const button = h("button", {
        type: "button",
        role: "menuitem",
        class: item.danger ? "menu-item files-menu-danger" : "menu-item",
        "aria-disabled": item.disabled ? "true" : null,
        title: item.disabled && item.reason ? item.reason : null,
        "data-action": item.id || null,
        onclick: () => {
          if (item.disabled) return;
          this.close();
          item.run();
        },
      }, h("span", { text: item.label }), item.hint ? h("kbd", { text: item.hint }) : null);
      return button;
    });
    this.el.replaceChildren(...nodes);
    this.el.style.left = "0px";
    this.el.style.top = "0px";
    if (this.el.matches(":popover-open")) this.el.hidePopover();
    this.el.showPopover();
    const box = this.el.getBoundingClientRect();
    const left = Math.max(4, Math.min(x, window.innerWidth - box.width - 4));
    const top = y + box.height > window.innerHeight - 4 ? Math.max(4, y - box.height) : y;
    this.el.style.left = `${left}px`;
    this.el.style.top = `${top}px`;
    this.focusItem(0);
  }

  close() {
    if (this.el.matches(":popover-open")) this.el.hidePopover();
  }

  items() {
    return [...this.el.querySelectorAll("[role=menuitem]")];
  }

  focusItem(index) {
    const items = this.items();
    if (!items.length) return;
    items[(index + items.length) % items.length].focus();
  }

  onKey(event) {
    const items = this.items();
    const current = items.indexOf(document.activeElement);
    const moves = { ArrowDown: current + 1, ArrowUp: current - 1, Home: 0, End: items.length - 1 };
    if (event.key in moves) {
      event.preventDefault();
      this.focusItem(moves[event.key]);
    } else if (event.key === "Tab") {
      event.preventDefault();
      this.close();
    }
  }
}
