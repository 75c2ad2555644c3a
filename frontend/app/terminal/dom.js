// Tiny DOM builders for the terminal's chrome. The terminal panels keep Alpine out of their
// DOM (x-ignore, see tabs.js), so they build nodes by hand; text always goes in through
// textContent, because server names and error messages come from the network.
import { h, makeIcon } from "../dom.js";

export { h };

// Stroke icons in the style of the rest of the page (24x24, currentColor; see base.css).
const PATHS = {
  search: ["M20 20l-4.2-4.2", "circle:11,11,6.5"],
  expand: ["M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5"],
  shrink: ["M9 4v5H4M15 4v5h5M9 20v-5H4M15 20v-5h5"],
  split: ["M4 5h16v14H4zM12 5v14"],
  up: ["M6 15l6-6 6 6"],
  down: ["M6 9l6 6 6-6"],
  close: ["M6 6l12 12M18 6L6 18"],
  paste: ["M9 4h6v3H9zM9 5.5H6v14.5h12V5.5h-3"],
  keyboard: ["M3 7h18v11H3zM7 11h.01M11 11h.01M15 11h.01M8 15h8"],
  share: ["M4 13v6h16v-6M12 3v12M7.5 7.5L12 3l4.5 4.5"],
  snippets: ["M9 5H8a2 2 0 0 0-2 2v3l-2 2 2 2v3a2 2 0 0 0 2 2h1M15 5h1a2 2 0 0 1 2 2v3l2 2-2 2v3a2 2 0 0 1-2 2h-1"],
};

export function icon(name) {
  return makeIcon(PATHS[name] || []);
}

// An icon-only toolbar button: the label is for screen readers and the tooltip.
export function iconButton(name, label, onclick, extra = {}) {
  return h("button", { class: "icon-btn icon-btn-small", type: "button", "aria-label": label, title: label, onclick, ...extra }, icon(name));
}

// Load a stylesheet next to this module once (index.html belongs to the core; the terminal
// brings its own CSS, resolved from import.meta.url so that a sub-path works). Resolves when
// it applies: xterm measures its cells and reads its colours from CSS when it opens.
const sheets = new Map();
export function ensureStylesheet(href) {
  const url = new URL(href, import.meta.url).href;
  if (!sheets.has(url)) {
    const link = h("link", { rel: "stylesheet", href: url });
    sheets.set(
      url,
      new Promise((resolve) => {
        link.addEventListener("load", resolve, { once: true });
        link.addEventListener("error", resolve, { once: true }); // unstyled beats broken
      }),
    );
    document.head.append(link);
  }
  return sheets.get(url);
}
