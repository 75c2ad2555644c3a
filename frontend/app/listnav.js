// Keyboard navigation of a listbox driven from a text field (the ARIA combobox pattern), as
// the command palette and the snippet picker use it: arrow keys move the active option, Enter
// chooses it, the field keeps the focus. One copy, so that both lists behave the same.
//
// Spread into an Alpine component: Alpine.data("x", () => ({ ...listNavigation("x"), ... })).
// The component provides results() (the options shown, in order) and choose(item); it may
// provide chooseNothing() for Enter on an empty list (say, a list still loading).
export function listNavigation(prefix) {
  return {
    active: 0,
    optionId(index) {
      return `${prefix}-option-${index}`;
    },
    activeId() {
      return this.results().length ? this.optionId(this.active) : "";
    },
    isActive(index) {
      return index === this.active;
    },
    hover(index) {
      this.active = index;
    },
    onKeydown(event) {
      const items = this.results();
      const count = items.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!count) return;
        this.active = (this.active + (event.key === "ArrowDown" ? 1 : -1) + count) % count;
        // Long lists scroll: keep the active option in view.
        this.$nextTick(() => document.getElementById(this.optionId(this.active))?.scrollIntoView({ block: "nearest" }));
      } else if (event.key === "Enter") {
        event.preventDefault();
        const item = items[this.active];
        if (item) this.choose(item);
        else this.chooseNothing?.();
      }
    },
  };
}
