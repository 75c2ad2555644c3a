// The split tab (UI-1): a terminal and the server's file browser side by side, as in
// FileZilla. The files half is whatever plugin provides the "files" panel (SFTP); without
// one the half says so. The divider drags (or moves with the arrow keys) and remembers.
import { findPanel } from "../plugins.js";
import { h } from "./dom.js";

const KEY = "sshgate.split";
const MIN = 20;
const MAX = 80;

function savedRatio() {
  const value = Number(localStorage.getItem(KEY));
  return value >= MIN && value <= MAX ? value : 55;
}

function placeholder(title, text) {
  return h("div", { class: "split-placeholder" }, h("div", { class: "empty-card" }, h("h2", { text: title }), h("p", { text })));
}

function divider(root) {
  let ratio = savedRatio();
  const el = h("div", { class: "split-divider", role: "separator", tabindex: "0", "aria-orientation": "vertical", "aria-label": "Resize terminal and files", "aria-valuemin": MIN, "aria-valuemax": MAX });
  const apply = (value, save = false) => {
    ratio = Math.min(MAX, Math.max(MIN, value));
    root.style.setProperty("--split", `${ratio}%`);
    el.setAttribute("aria-valuenow", String(Math.round(ratio)));
    if (save) localStorage.setItem(KEY, String(Math.round(ratio)));
  };
  apply(ratio);
  el.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    el.setPointerCapture(event.pointerId);
    root.classList.add("dragging");
    const box = root.getBoundingClientRect();
    const move = (e) => apply(((e.clientX - box.left) / box.width) * 100);
    const up = () => {
      el.removeEventListener("pointermove", move);
      root.classList.remove("dragging");
      apply(ratio, true);
    };
    el.addEventListener("pointermove", move);
    el.addEventListener("pointerup", up, { once: true });
    el.addEventListener("pointercancel", up, { once: true });
  });
  el.addEventListener("keydown", (event) => {
    const step = { ArrowLeft: -5, ArrowRight: 5 }[event.key];
    if (!step) return;
    event.preventDefault();
    apply(ratio + step, true);
  });
  return el;
}

// makeView(host) builds the terminal in the left half; returns the panel handle.
export async function mountSplit(el, ctx, makeView) {
  const left = h("div", { class: "split-pane split-term" });
  const right = h("div", { class: "split-pane split-files" });
  const root = h("div", { class: "split" }, left, null, right);
  root.insertBefore(divider(root), right);
  el.append(root);
  const view = makeView(left);

  const server = ctx.server;
  const files = findPanel("files");
  let handle = {};
  if (!files) {
    right.append(placeholder("No file browser installed", "The SFTP plugin provides this half of the split view: once it is enabled, this server's files appear here next to its terminal."));
  } else if (!server.sftp_enabled) {
    right.append(placeholder("SFTP is off for this server", "An administrator can turn SFTP on in the server's settings."));
  } else if (files.when && !files.when(ctx)) {
    right.append(placeholder("Files are not available", "Your account cannot open the file browser."));
  } else {
    // The files panel expects what a tab gives it: an empty, absolutely filling section.
    const section = h("section", { class: "split-files-host", "aria-label": `Files: ${server.name}` });
    right.append(section);
    // It shares the tab, but the tab's title is the split's own.
    const tab = { ...ctx.tab, setTitle() {} };
    try {
      handle = (await files.mount(section, { ...ctx, tab })) || {};
    } catch (error) {
      section.replaceChildren(placeholder("The file browser could not open", error && error.message ? error.message : String(error)));
    }
  }
  return {
    activated() {
      view.activated();
      handle.activated?.();
    },
    deactivated() {
      handle.deactivated?.();
    },
    unmount() {
      handle.unmount?.();
      view.dispose();
    },
  };
}
