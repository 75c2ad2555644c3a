// The xterm.js side of a terminal: the Terminal with its addons, colours that follow the
// page theme, fitting to the panel, and copy/paste the way terminal users expect.
import { Terminal } from "../../vendor/xterm/xterm.js";
import { FitAddon } from "../../vendor/xterm/addon-fit.js";
import { SearchAddon } from "../../vendor/xterm/addon-search.js";
import { Unicode11Addon } from "../../vendor/xterm/addon-unicode11.js";
import { WebLinksAddon } from "../../vendor/xterm/addon-web-links.js";

const ANSI = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];
const BRIGHT = ANSI.map((name) => `bright${name[0].toUpperCase()}${name.slice(1)}`);

// The palette lives in terminal.css (--term-*), next to the page's own tokens, so that a
// theme stays one block of CSS; here it is read back for xterm, which wants plain values.
export function readTheme(el = document.documentElement) {
  const style = getComputedStyle(el);
  const get = (name) => style.getPropertyValue(`--term-${name}`).trim();
  const theme = {
    background: get("bg"),
    foreground: get("fg"),
    cursor: get("cursor"),
    cursorAccent: get("bg"),
    selectionBackground: get("selection"),
    scrollbarSliderBackground: get("scrollbar"),
    scrollbarSliderHoverBackground: get("scrollbar-hover"),
    scrollbarSliderActiveBackground: get("scrollbar-hover"),
  };
  ANSI.forEach((name, index) => {
    theme[name] = get(`ansi-${index}`);
    theme[BRIGHT[index]] = get(`ansi-${index + 8}`);
  });
  return theme;
}

// Both the shell's toggle (theme.js) and anything else that flips <html data-theme> end up
// on that attribute, so one observer serves every open terminal.
const themeListeners = new Set();
new MutationObserver(() => {
  const theme = readTheme();
  for (const listener of themeListeners) listener(theme);
}).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });

function fontFamily() {
  return getComputedStyle(document.documentElement).getPropertyValue("--font-mono").trim() || "monospace";
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard access (plain http on a LAN address): the selection still works with the
    // browser's own copy command, so there is nothing to say.
  }
}

// keys(event) -> true when the page handles the key itself (find, paste, full screen): xterm
// then leaves it alone instead of sending it to the shell.
export function createScreen(host, { keys, onResize }) {
  const narrow = window.matchMedia("(max-width: 760px)").matches;
  const term = new Terminal({
    allowProposedApi: true, // the unicode and decoration APIs the addons use
    cursorBlink: true,
    fontFamily: fontFamily(),
    fontSize: narrow ? 13 : 14,
    lineHeight: 1.1,
    scrollback: 10000,
    theme: readTheme(),
    macOptionIsMeta: true,
    rightClickSelectsWord: false,
  });
  const fit = new FitAddon();
  const search = new SearchAddon({ highlightLimit: 1000 });
  term.loadAddon(fit);
  term.loadAddon(search);
  term.loadAddon(new Unicode11Addon());
  term.unicode.activeVersion = "11"; // emoji and CJK take two cells, as in modern terminals
  term.loadAddon(new WebLinksAddon((event, uri) => window.open(uri, "_blank", "noopener")));
  term.attachCustomKeyEventHandler((event) => !(event.type === "keydown" && keys(event)));
  term.open(host);
  term.onResize(({ cols, rows }) => onResize(cols, rows));

  // Copy on select, as in xterm and PuTTY.
  term.onSelectionChange(() => {
    if (term.hasSelection()) copy(term.getSelection());
  });

  // Right-click pastes where the Clipboard API lets us read; Shift+right-click keeps the
  // browser's own menu. Without clipboard access the browser's menu shows (and its Paste works).
  host.addEventListener("contextmenu", async (event) => {
    if (event.shiftKey || !navigator.clipboard || !navigator.clipboard.readText) return;
    event.preventDefault();
    await pasteFromClipboard(term);
  });

  const onTheme = (theme) => {
    term.options.theme = theme;
  };
  themeListeners.add(onTheme);

  // Fit whenever the panel's box changes: window resizes, the log pane opening, the split
  // divider, full screen. Hidden tabs measure 0 x 0 and are left alone until shown.
  let frame = 0;
  let fixed = null; // {cols, rows} while drawing someone else's shell at its size
  const refit = () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      if (fixed || !host.offsetWidth || !host.offsetHeight) return;
      try {
        fit.fit();
      } catch {
        // The renderer is not ready yet; the next resize fits.
      }
    });
  };
  const observer = new ResizeObserver(refit);
  observer.observe(host);
  refit();

  return {
    term,
    search,
    refit,
    // A joiner's screen follows the owner's PTY size instead of its own panel: full-screen
    // programs then draw as the owner sees them (the panel scrolls if it is smaller).
    follow(cols, rows) {
      if (!(cols > 0 && rows > 0)) return;
      fixed = { cols, rows };
      term.resize(cols, rows);
    },
    copySelection: () => term.hasSelection() && copy(term.getSelection()),
    paste: () => pasteFromClipboard(term),
    dispose() {
      observer.disconnect();
      cancelAnimationFrame(frame);
      themeListeners.delete(onTheme);
      term.dispose();
    },
  };
}

export async function pasteFromClipboard(term) {
  try {
    const text = await navigator.clipboard.readText();
    if (text) term.paste(text); // bracketed paste when the shell asked for it
  } catch {
    // Permission refused: Ctrl+Shift+V still pastes through the browser's paste event.
  }
  term.focus();
}
