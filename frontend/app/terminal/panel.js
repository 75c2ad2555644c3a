// The terminal plugin's front end (TERM-1..5, TERM-7, UI-6, SHARE-1/3): the "terminal"
// panel the Site Manager's SSH button opens (also for joining a shared session and for
// watching one), the split view, quick connect, and putting the terminal tabs back after a
// reload. Registered through registerPlugin like any plugin.
import { registerPlugin } from "../plugins.js";
import { ensureStylesheet } from "./dom.js";
import { joinPending } from "./join.js";
import { remembered } from "./persist.js";
import { canQuickConnect, openQuickConnect } from "./quick.js";
import { mountSplit } from "./split.js";
import { TerminalView } from "./view.js";

const styles = Promise.all(["../../vendor/xterm/xterm.css", "../terminal.css", "../terminal-share.css"].map(ensureStylesheet));

const title = (prefix, label, ended = false) => `${prefix}: ${label}${ended ? " (ended)" : ""}`;

// The tab title's prefix: whose shell this is, at a glance.
function prefixOf(props, fallback) {
  if (props.join) return "Shared";
  return props.watch ? "Watch" : fallback;
}

// What a panel's props ask for: join a shared session (props.join: the share token), watch
// one (props.watch: its id), reattach (a reload), quick connect, or a new shell.
function viewOptions(el, ctx, mode, fallback) {
  const props = ctx.props || {};
  const server = ctx.server;
  const prefix = prefixOf(props, fallback);
  let target;
  if (props.join) target = { join: props.join };
  else if (props.watch) target = { watch: props.watch };
  else if (props.sessionId) target = { sessionId: props.sessionId };
  else if (props.quick) target = { quick: props.quick };
  else if (server) target = { serverId: server.id };
  else throw new Error("Choose a server in the Site Manager, then press SSH.");
  // The connection holds the credentials (or the share token); nobody else keeps them.
  props.quick = props.join = null;
  return {
    server,
    target,
    mode,
    label: server ? server.name : props.label || "session",
    persistId: props.persistId,
    tabId: ctx.tab.id,
    onClose: () => ctx.tab.close(),
    onTitle: (label, ended) => ctx.tab.setTitle(title(prefix, label, ended)),
    // Which shell this tab holds, for other modules (snippets audit the server and session).
    onSession: (hello) => {
      if (hello.server_id !== null) el.dataset.serverId = String(hello.server_id);
      el.dataset.sessionId = hello.id;
      // Snippets skip views that cannot type (snippets-run.js).
      el.dataset.readOnly = String(Boolean(hello.read_only));
    },
    // No server to open again: a quick-connect session asks for its host again; a restored
    // tab whose server is gone from the Site Manager can only say so.
    onNewSession: () =>
      props.serverId ? ctx.notify("That server is no longer in your Site Manager.", "error") : openQuickConnect(ctx),
  };
}

// The "sshgate:terminal-input" contract (docs/frontend-plugins.md): text for this tab.
function acceptInput(ctx, view) {
  const onInput = (event) => {
    const detail = event.detail || {};
    if (detail.tabId !== ctx.tab.id || typeof detail.text !== "string") return;
    if (view.takeText(detail.text, Boolean(detail.run))) event.preventDefault();
  };
  window.addEventListener("sshgate:terminal-input", onInput);
  return () => window.removeEventListener("sshgate:terminal-input", onInput);
}

async function mountTerminal(el, ctx) {
  await styles;
  const view = new TerminalView(el, viewOptions(el, ctx, "terminal", "SSH"));
  if (ctx.tab.isActive()) view.activated();
  const stopInput = acceptInput(ctx, view);
  return {
    activated: () => view.activated(),
    unmount: () => {
      stopInput();
      view.dispose();
    },
  };
}

async function mountSplitPanel(el, ctx) {
  if (!ctx.server) throw new Error("The split view needs a server: choose one in the Site Manager.");
  await styles;
  let view = null;
  const handle = await mountSplit(el, ctx, (host) => (view = new TerminalView(host, viewOptions(el, ctx, "split", "Split"))));
  if (ctx.tab.isActive()) handle.activated();
  const stopInput = acceptInput(ctx, view);
  return {
    ...handle,
    unmount: () => {
      stopInput();
      handle.unmount();
    },
  };
}

// After a reload: reopen every terminal tab this browser tab had, attached to the same shells.
async function restore(ctx) {
  await reopen(ctx);
  joinPending(ctx); // a share link the page was opened with: its tab opens last, in front
}

async function reopen(ctx) {
  for (const entry of remembered()) {
    const server = entry.serverId === null ? null : ctx.server(entry.serverId);
    const split = entry.mode === "split" && server;
    await ctx.openPanel(split ? "terminal-split" : "terminal", {
      server,
      props: { sessionId: entry.sessionId, persistId: entry.id, label: entry.label, serverId: entry.serverId },
    });
  }
}

registerPlugin("terminal", {
  panels: [
    {
      id: "terminal",
      title: "SSH",
      tabTitle: (server, props) => title("SSH", server ? server.name : props.label || "session"),
      mount: mountTerminal,
    },
    {
      id: "terminal-split",
      title: "Split",
      tabTitle: (server) => title("Split", server ? server.name : "session"),
      mount: mountSplitPanel,
    },
  ],
  serverActions: [
    {
      id: "split",
      label: "Split",
      when: (server) => server.ssh_enabled,
      run: (server, ctx) => ctx.openPanel("terminal-split", { server }),
    },
  ],
  menuItems: [{ id: "quick-connect", label: "Quick connect…", when: canQuickConnect, run: openQuickConnect }],
  paletteCommands: [
    { id: "quick-connect", label: "Quick connect: SSH to a host outside the Site Manager", when: canQuickConnect, run: openQuickConnect },
  ],
  setup: restore,
});
