// The snippet bar (TERM-6): a strip under a terminal's toolbar with the user's snippets
// (their own and the shared ones) and a filter. A click runs the snippet in THIS terminal
// through the same flow as "Run snippet…" (snippets-run.js): parameters asked once per name,
// the snippet's confirmation, the audited POST api/snippets/<id>/run, then typed here.
// Whether the bar is open is remembered for the next terminal.
import { api, describeError } from "../api.js";
import { fuzzyMatch } from "../fuzzy.js";
import { openRunner } from "../snippets-run.js";
import { openPanel } from "../tabs.js";
import { h } from "./dom.js";

const KEY = "sshgate.snippetBar";
let bars = 0;

function rememberedOpen() {
  try {
    return localStorage.getItem(KEY) === "open";
  } catch {
    return false;
  }
}

function rememberOpen(open) {
  try {
    localStorage.setItem(KEY, open ? "open" : "closed");
  } catch {
    // Storage disabled: the bar just starts closed next time.
  }
}

// options: tabId (the tab whose terminal types the snippet), focusTerminal(), onToggle(open).
export function createSnippetBar({ tabId, focusTerminal, onToggle }) {
  bars += 1;
  const filter = h("input", { type: "search", class: "term-snippets-filter", placeholder: "Filter…", "aria-label": "Filter snippets", autocomplete: "off", spellcheck: "false" });
  const list = h("ul", { class: "term-snippets-list", id: `snippet-bar-${bars}`, "aria-label": "Snippets" });
  const note = h("span", { class: "term-snippets-note muted" });
  const manage = h("button", { type: "button", class: "btn btn-small btn-ghost", onclick: () => openPanel("snippets") }, "Edit snippets");
  const el = h("div", { class: "term-snippets", role: "region", "aria-label": "Snippet bar", hidden: true }, filter, list, note, manage);
  let snippets = [];
  let loaded = false;

  function shown() {
    const query = filter.value.trim();
    if (!query) return snippets;
    return snippets
      .map((s) => ({ s, match: fuzzyMatch(query, `${s.name} ${s.tags.join(" ")} ${s.command}`) }))
      .filter((row) => row.match)
      .sort((a, b) => b.match.score - a.match.score)
      .map((row) => row.s);
  }

  function render() {
    const items = shown();
    list.replaceChildren(
      ...items.map((s) => {
        const chip = h(
          "button",
          { type: "button", class: "term-snippet", title: s.description ? `${s.description}\n${s.command}` : s.command, "aria-label": `Run ${s.name}` },
          h("span", { class: "term-snippet-name", text: s.name }),
          s.shared ? h("span", { class: "term-snippet-tag", text: "shared" }) : null,
        );
        chip.addEventListener("click", () => openRunner(s, tabId));
        return h("li", {}, chip);
      }),
    );
    if (!loaded) note.textContent = "Loading…";
    else if (!snippets.length) note.textContent = "No snippets yet: add some on the Snippets screen.";
    else note.textContent = items.length ? "" : "Nothing matches.";
  }

  async function load() {
    try {
      snippets = (await api.get("api/snippets")).snippets;
      loaded = true;
    } catch (error) {
      note.textContent = describeError(error);
      return;
    }
    render();
  }

  function setOpen(open, focus = true) {
    el.hidden = !open;
    rememberOpen(open);
    onToggle?.(open);
    if (open) {
      render();
      load(); // fresh each time: snippets change on the Snippets screen
      if (focus) filter.focus();
    } else if (focus) {
      focusTerminal();
    }
  }

  filter.addEventListener("input", render);
  filter.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      const first = shown()[0];
      if (first) openRunner(first, tabId);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      setOpen(false);
    }
  });

  return {
    el,
    isOpen: () => !el.hidden,
    toggle: () => setOpen(el.hidden),
    // A new terminal opens the bar if the last one had it open.
    restore: () => rememberedOpen() && setOpen(true, false),
    hide: () => {
      el.hidden = true;
      onToggle?.(false);
    },
  };
}
