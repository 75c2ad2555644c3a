// Global keyboard shortcuts. Keys that browsers keep for themselves (Ctrl+W, Ctrl+T) are
// avoided; Alt combinations reach the page on every desktop browser we target.
import { activateByOffset, activateTab, closeTab } from "./tabs.js";
import { openPalette, paletteIsOpen } from "./palette.js";
import { focusSiteFilter } from "./sites.js";
import { savePrefs, store } from "./store.js";

export const SHORTCUTS = [
  { keys: "Ctrl K", alt: "Ctrl Shift P", action: "Command palette: servers and actions" },
  { keys: "/", action: "Search the Site Manager" },
  { keys: "Alt 1…9", action: "Go to tab 1…9" },
  { keys: "Alt ← / →", action: "Previous / next tab" },
  { keys: "Alt W", action: "Close the current tab" },
  { keys: "Alt B", action: "Show or hide the Site Manager" },
  { keys: "Alt L", action: "Show or hide the activity log" },
  { keys: "?", action: "This list of shortcuts" },
  { keys: "Esc", action: "Close a dialog, the palette or the drawer" },
];

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

function modalOpen() {
  return Boolean(document.querySelector("dialog[open]"));
}

export function toggleSidebar() {
  const s = store();
  if (window.matchMedia("(max-width: 760px)").matches) s.drawerOpen = !s.drawerOpen;
  else s.sidebarHidden = !s.sidebarHidden;
  savePrefs();
}

export function toggleLog() {
  const s = store();
  s.logOpen = !s.logOpen;
  savePrefs();
}

export function showShortcuts() {
  document.getElementById("shortcuts-dialog")?.showModal();
}

function onKeydown(event) {
  if (store().screen !== "app") return;
  const key = event.key.toLowerCase();
  const mod = event.ctrlKey || event.metaKey;
  // The palette opens from anywhere, even from inside an input or another dialog's field.
  if (mod && ((key === "k" && !event.shiftKey) || (key === "p" && event.shiftKey))) {
    event.preventDefault();
    if (!paletteIsOpen() && !modalOpen()) openPalette();
    return;
  }
  if (modalOpen() || event.defaultPrevented) return;
  if (event.key === "Escape" && store().drawerOpen) {
    store().drawerOpen = false;
    return;
  }
  if (event.altKey && !mod && !event.shiftKey) {
    const tabs = store().tabs;
    const digit = /^Digit([1-9])$/.exec(event.code);
    const handled = {
      w: () => store().activeTab && closeTab(store().activeTab),
      b: toggleSidebar,
      l: toggleLog,
      arrowleft: () => activateByOffset(-1),
      arrowright: () => activateByOffset(1),
    };
    // event.code, not event.key: Alt+digit types other characters on some layouts.
    const letter = /^Key([A-Z])$/.exec(event.code);
    const name = letter ? letter[1].toLowerCase() : key;
    if (digit) {
      const tab = tabs[Number(digit[1]) - 1];
      if (tab) activateTab(tab.uid);
    } else if (handled[name]) {
      handled[name]();
    } else {
      return;
    }
    event.preventDefault();
    return;
  }
  if (typing(event.target) || mod || event.altKey) return;
  if (event.key === "/") {
    event.preventDefault();
    focusSiteFilter();
  } else if (event.key === "?") {
    event.preventDefault();
    showShortcuts();
  }
}

export function installShortcuts() {
  document.addEventListener("keydown", onKeydown);
}
