// The strip above a terminal: where it is connected (server, size, state), how fast (the
// ping round trip), and the few buttons a terminal needs (find, paste, full screen). Sharing
// and snippets add theirs in front (terminal/tools.js).
import { h, icon, iconButton } from "./dom.js";

const STATES = {
  connecting: "Connecting…",
  confirming: "Waiting for you",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  ended: "Ended",
};

export function createToolbar({ name, onFind, onPaste, onFullscreen, fullscreen, badges }) {
  const dot = h("span", { class: "term-dot", "aria-hidden": "true" });
  const title = h("strong", { class: "term-name", text: name });
  const state = h("span", { class: "term-state", role: "status" });
  const size = h("span", { class: "term-size", title: "Columns × rows" });
  const latency = h("span", { class: "term-latency", title: "Round trip to the gateway" });
  const note = h("span", { class: "term-note" });
  const fullButton = iconButton("expand", "Full screen (F11)", onFullscreen, { "data-action": "fullscreen" });
  fullButton.hidden = !fullscreen;
  const tools = h(
    "div",
    { class: "term-tools" },
    iconButton("search", "Find (Ctrl+Shift+F)", onFind, { "data-action": "find" }),
    iconButton("paste", "Paste (Ctrl+Shift+V)", onPaste, { "data-action": "paste" }),
    fullButton,
  );
  const el = h("div", { class: "term-toolbar", role: "toolbar", "aria-label": "Terminal" }, h("div", { class: "term-status" }, dot, title, badges, state, size, latency, note), tools);

  return {
    el,
    // More controls, in front of find / paste / full screen, in the order given.
    addTools(...nodes) {
      for (const node of nodes) tools.insertBefore(node, tools.querySelector('[data-action="find"]'));
    },
    setName(text) {
      title.textContent = text;
    },
    setState(name, text) {
      el.dataset.state = name;
      state.textContent = text || STATES[name] || name;
      if (name !== "connected") latency.textContent = "";
    },
    setSize(cols, rows) {
      size.textContent = `${cols}×${rows}`;
    },
    setLatency(ms) {
      const rounded = Math.round(ms);
      latency.textContent = `${rounded} ms`;
      latency.dataset.level = rounded < 100 ? "good" : rounded < 300 ? "fair" : "poor";
    },
    // A transient remark: paste progress, read-only view, dropped input.
    setNote(text) {
      note.textContent = text || "";
    },
    setFullscreen(on) {
      const label = on ? "Leave full screen (F11)" : "Full screen (F11)";
      fullButton.setAttribute("aria-label", label);
      fullButton.title = label;
      fullButton.replaceChildren(icon(on ? "shrink" : "expand"));
    },
  };
}
