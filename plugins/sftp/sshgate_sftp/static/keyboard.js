// Keys on the file table: arrows (with Shift to extend), Home/End, PageUp/PageDown, Enter to
// open, Backspace or Alt+Up for the parent folder, Space to toggle, Ctrl/Cmd+A for all, Esc to
// clear, Delete, F2 to rename, Shift+F10 or the menu key for the context menu, and typing a
// name's first letters to jump to it.
import * as actions from "./actions.js";
import { isMod } from "./dom.js";

const PAGE = 10;
let typed = "";
let typedAt = 0;

function typeAhead(panel, key) {
  const now = performance.now();
  typed = now - typedAt > 800 ? key : typed + key;
  typedAt = now;
  const needle = typed.toLowerCase();
  const items = panel.visible;
  const start = Math.max(0, panel.selection.cursor + (typed.length === 1 ? 1 : 0));
  for (let i = 0; i < items.length; i++) {
    const index = (start + i) % items.length;
    if (items[index].name.toLowerCase().startsWith(needle)) return index;
  }
  return -1;
}

export function handleKey(panel, event) {
  const { selection, visible: items } = panel;
  const cursorEntry = items[selection.cursor];
  const move = (delta, to = null) => {
    event.preventDefault();
    selection.move(delta, items, { shift: event.shiftKey, to });
    panel.syncSelection();
    panel.listing.scrollToCursor(selection);
  };
  const writable = () => !panel.readOnly || (panel.ctx.notify(actions.READ_ONLY_REASON, "info"), false);
  switch (event.key) {
    case "ArrowDown":
      return move(1);
    case "ArrowUp":
      if (event.altKey) {
        event.preventDefault();
        return panel.parent && panel.navigate(panel.parent);
      }
      return move(-1);
    case "Home":
      return move(0, 0);
    case "End":
      return move(0, items.length - 1);
    case "PageDown":
      return move(PAGE);
    case "PageUp":
      return move(-PAGE);
    case "Enter":
      event.preventDefault();
      return cursorEntry && actions.openEntry(panel, cursorEntry);
    case "Backspace":
      event.preventDefault();
      return panel.parent && panel.navigate(panel.parent);
    case " ":
      event.preventDefault();
      if (selection.cursor < 0) return move(1);
      selection.toggle(selection.cursor, items);
      return panel.syncSelection();
    case "Escape":
      if (!selection.size) return undefined;
      event.preventDefault();
      selection.clear();
      return panel.syncSelection();
    case "Delete":
      event.preventDefault();
      return writable() && actions.remove(panel, selection.targets(items));
    case "F2":
      event.preventDefault();
      return cursorEntry && writable() && actions.rename(panel, cursorEntry);
    case "ContextMenu":
      event.preventDefault();
      return panel.keyboardMenu();
    case "F10":
      if (!event.shiftKey) return undefined;
      event.preventDefault();
      return panel.keyboardMenu();
    default:
      break;
  }
  if (isMod(event) && event.key.toLowerCase() === "a") {
    event.preventDefault();
    selection.selectAll(items);
    return panel.syncSelection();
  }
  if (event.key.length === 1 && !isMod(event) && !event.altKey) {
    const index = typeAhead(panel, event.key);
    if (index >= 0) move(0, index);
  }
  return undefined;
}
