// Who is attached to the owner's shell (SHARE-1): a "2 attached" badge in the toolbar and a
// popover naming each client (user, how attached, since when) with Kick for joiners. The
// gateway sends {"type": "clients"} to the owner's views when someone attaches or leaves, on
// any worker; the view then reads GET api/terminal/sessions/{id}/shares. A slow poll while
// the tab is on screen covers what a message cannot (a worker that died with its joiners).
import { api, describeError } from "../api.js";
import { notify } from "../dialogs.js";
import { clock, relative } from "../format.js";
import { h } from "./dom.js";

const POLL_MS = 30000;
const MODES = { owner: "owner", ro: "read-only", rw: "read-write", watch: "administrator, watching" };
let popovers = 0;

// options: sessionId() -> id or null; visible() -> is this view on screen; me (username).
export function createAttached({ sessionId, visible, me }) {
  popovers += 1;
  const popId = `attached-${popovers}`;
  const count = h("span");
  // On a phone only the number shows; the label keeps the words.
  const badge = h("button", { class: "term-attached", type: "button", hidden: true, "aria-haspopup": "true", "aria-expanded": "false", "aria-controls": popId }, count, h("span", { class: "term-attached-word", text: " attached" }));
  const list = h("ul", { class: "plain-list" });
  const pop = h("div", { id: popId, class: "term-popover", role: "dialog", "aria-label": "Attached to this session", hidden: true }, h("h3", { text: "Attached to this session" }), list);
  let clients = [];
  let timer = null;
  let busy = false;

  function path(suffix = "") {
    return `api/terminal/sessions/${encodeURIComponent(sessionId())}${suffix}`;
  }

  function render() {
    // One client is the owner alone: nothing to say until someone else is there.
    badge.hidden = clients.length < 2;
    count.textContent = String(clients.length);
    badge.setAttribute("aria-label", `${clients.length} attached: show who`);
    if (badge.hidden) setOpen(false);
    list.replaceChildren(...clients.map(item));
  }

  function item(client) {
    const since = new Date(client.since);
    const who = client.mode === "owner" && client.username === me ? `${client.username} (you)` : client.username;
    const kick = client.mode === "ro" || client.mode === "rw" ? h("button", { class: "btn btn-small btn-danger-ghost", type: "button", "aria-label": `Kick ${client.username}` }, "Kick") : null;
    kick?.addEventListener("click", () => remove(client, kick));
    return h(
      "li",
      { class: "list-row term-client" },
      h("div", {}, h("div", { class: "term-client-name", text: who }), h("div", { class: "muted small", text: `${MODES[client.mode] || client.mode} · since ${clock(since)} (${relative(since)})` })),
      kick,
    );
  }

  async function remove(client, button) {
    button.disabled = true;
    try {
      await api.del(path(`/clients/${encodeURIComponent(client.id)}`));
      // A kick is for now: the link still works until it is revoked (Share).
      notify(`${client.username} was removed. Revoke the link under Share to keep them out.`, "success");
    } catch (error) {
      notify(describeError(error), "error");
    }
    await refresh();
  }

  async function refresh() {
    if (!sessionId() || busy) return;
    busy = true;
    try {
      clients = (await api.get(path("/shares"))).clients;
      render();
    } catch {
      // The session ended or the network blinked: the terminal itself says which.
    } finally {
      busy = false;
    }
  }

  function setOpen(open) {
    pop.hidden = !open;
    badge.setAttribute("aria-expanded", String(open));
    if (open) refresh();
  }

  badge.addEventListener("click", () => setOpen(pop.hidden));
  pop.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.stopPropagation();
    setOpen(false);
    badge.focus();
  });
  const outside = (event) => {
    if (!pop.hidden && !pop.contains(event.target) && !badge.contains(event.target)) setOpen(false);
  };
  document.addEventListener("pointerdown", outside);

  return {
    badge,
    pop,
    refresh,
    // Poll while connected; stop() when the shell is gone or the view closes.
    start() {
      clearInterval(timer);
      refresh();
      timer = setInterval(() => {
        if (visible() && document.visibilityState === "visible") refresh();
      }, POLL_MS);
    },
    stop() {
      clearInterval(timer);
      clients = [];
      render();
    },
    dispose() {
      clearInterval(timer);
      document.removeEventListener("pointerdown", outside);
    },
  };
}
