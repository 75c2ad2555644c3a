// Which entries are selected, by path (so a refresh keeps them), plus the cursor row the
// keyboard moves and the anchor a shift-click extends from: click, Shift+click (range),
// Ctrl/Cmd+click (toggle), arrows with or without Shift, Ctrl+A.
export class Selection {
  constructor() {
    this.paths = new Set();
    this.anchor = -1;
    this.cursor = -1;
  }

  has(path) {
    return this.paths.has(path);
  }

  get size() {
    return this.paths.size;
  }

  clear() {
    this.paths.clear();
    this.anchor = -1;
  }

  entries(items) {
    return items.filter((entry) => this.paths.has(entry.path));
  }

  // The entries an action applies to: the selection, else the cursor row.
  targets(items) {
    const chosen = this.entries(items);
    if (chosen.length) return chosen;
    const current = items[this.cursor];
    return current ? [current] : [];
  }

  only(index, items) {
    this.paths = new Set(items[index] ? [items[index].path] : []);
    this.anchor = index;
    this.cursor = index;
  }

  range(from, to, items, add = false) {
    if (!add) this.paths.clear();
    const [lo, hi] = from <= to ? [from, to] : [to, from];
    for (let i = Math.max(0, lo); i <= hi && i < items.length; i++) this.paths.add(items[i].path);
  }

  toggle(index, items) {
    const entry = items[index];
    if (!entry) return;
    if (this.paths.has(entry.path)) this.paths.delete(entry.path);
    else this.paths.add(entry.path);
    this.anchor = index;
    this.cursor = index;
  }

  click(index, items, { shift = false, mod = false } = {}) {
    if (shift && this.anchor >= 0) {
      this.range(this.anchor, index, items, mod);
      this.cursor = index;
    } else if (mod) {
      this.toggle(index, items);
    } else {
      this.only(index, items);
    }
  }

  // Arrow keys: move the cursor; with Shift, extend from the anchor.
  move(delta, items, { shift = false, to = null } = {}) {
    if (!items.length) return;
    const start = this.cursor < 0 ? (delta > 0 ? -1 : items.length) : this.cursor;
    const next = to !== null ? to : Math.min(items.length - 1, Math.max(0, start + delta));
    if (shift) {
      if (this.anchor < 0) this.anchor = Math.max(0, this.cursor);
      this.range(this.anchor, next, items);
      this.cursor = next;
    } else {
      this.only(next, items);
    }
  }

  selectAll(items) {
    this.paths = new Set(items.map((entry) => entry.path));
  }

  // After a reload or a filter: forget paths that are gone, keep the cursor in range.
  retain(items) {
    const present = new Set(items.map((entry) => entry.path));
    for (const path of [...this.paths]) if (!present.has(path)) this.paths.delete(path);
    if (this.cursor >= items.length) this.cursor = items.length - 1;
    if (this.anchor >= items.length) this.anchor = -1;
  }
}
