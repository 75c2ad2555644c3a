// The find bar (Ctrl+Shift+F): searches the scrollback with xterm's search addon, highlights
// every match and says "3 of 12". Enter / Shift+Enter step, Esc closes and gives the
// keyboard back to the shell.
import { h, iconButton } from "./dom.js";

function decorations() {
  const style = getComputedStyle(document.documentElement);
  const get = (name) => style.getPropertyValue(name).trim();
  return {
    matchBackground: get("--term-match"),
    matchOverviewRuler: get("--term-match"),
    activeMatchBackground: get("--term-match-active"),
    activeMatchColorOverviewRuler: get("--term-match-active"),
  };
}

export function createFindBar({ search, term }) {
  const input = h("input", { type: "search", class: "term-find-input", placeholder: "Find in terminal", "aria-label": "Find in terminal", spellcheck: "false", autocomplete: "off" });
  const count = h("span", { class: "term-find-count", "aria-live": "polite" });
  const caseBox = h("input", { type: "checkbox", "aria-label": "Match case" });
  const bar = h(
    "div",
    { class: "term-find", role: "search", hidden: true },
    input,
    count,
    h("label", { class: "term-find-case", title: "Match case" }, caseBox, h("span", { "aria-hidden": "true" }, "Aa")),
    iconButton("up", "Previous match (Shift+Enter)", () => step(false)),
    iconButton("down", "Next match (Enter)", () => step(true)),
    iconButton("close", "Close find (Esc)", () => close()),
  );

  const options = (incremental = false) => ({ caseSensitive: caseBox.checked, incremental, decorations: decorations() });

  function step(forward, incremental = false) {
    const query = input.value;
    if (!query) {
      search.clearDecorations();
      count.textContent = "";
      return;
    }
    const found = forward ? search.findNext(query, options(incremental)) : search.findPrevious(query, options());
    if (!found) count.textContent = "No matches";
  }

  const results = search.onDidChangeResults(({ resultIndex, resultCount }) => {
    if (!input.value) return;
    count.textContent = resultCount ? `${resultIndex + 1} of ${resultCount}` : "No matches";
  });

  input.addEventListener("input", () => step(true, true));
  caseBox.addEventListener("change", () => step(true, true));
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      step(!event.shiftKey);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });

  function open() {
    bar.hidden = false;
    const selected = term.getSelection();
    if (selected && !selected.includes("\n")) input.value = selected;
    input.focus();
    input.select();
    if (input.value) step(true, true);
  }

  function close() {
    bar.hidden = true;
    search.clearDecorations();
    term.clearSelection();
    count.textContent = "";
    term.focus();
  }

  return {
    el: bar,
    open,
    close,
    toggle: () => (bar.hidden ? open() : close()),
    dispose: () => results.dispose(),
  };
}
