// Administrators' "Live sessions" screen (SHARE-3): every running terminal session on every
// worker, refreshed every few seconds while the tab is on screen. Watch opens a read-only
// terminal tab on the session (WS api/ws/terminal/watch/{id}); Terminate ends it for
// everyone attached, after a confirmation. Registered as a core panel in core.js.
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { api, describeError } from "./api.js";
import { confirmAction, notify } from "./dialogs.js";
import { dateTime, formatBytes, relative } from "./format.js";
import { openPanel } from "./tabs.js";

const REFRESH_MS = 5000;

// Our stylesheet sits next to this module; no shared file has to list it.
const style = document.createElement("link");
style.rel = "stylesheet";
style.href = new URL("./live-sessions.css", import.meta.url).href;
document.head.append(style);
export function bytes(value) {
  return typeof value === "number" ? formatBytes(value) : "–"; // another worker's session does not count here
}

Alpine.data("liveSessions", () => ({
  sessions: [],
  loading: true,
  error: "",
  updated: null,
  timer: null,
  init() {
    this.load();
    // Only while the tab shows: a hidden tab's element (or an ancestor) is [hidden].
    this.timer = setInterval(() => {
      if (this.$root.offsetParent !== null && document.visibilityState === "visible") this.load();
    }, REFRESH_MS);
  },
  destroy() {
    clearInterval(this.timer);
  },
  async load() {
    try {
      const { sessions } = await api.get("api/terminal/sessions");
      this.sessions = sessions.sort((a, b) => (b.started || 0) - (a.started || 0));
      this.error = "";
      this.updated = new Date();
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.loading = false;
    }
  },
  isEmpty() {
    return !this.loading && !this.error && this.sessions.length === 0;
  },
  hasSessions() {
    return this.sessions.length > 0;
  },
  countLabel() {
    const n = this.sessions.length;
    const when = this.updated ? ` · updated ${dateTime(this.updated).slice(11)}:${String(this.updated.getSeconds()).padStart(2, "0")}` : "";
    return `${n} running${when}`;
  },
  started(s) {
    return s.started ? dateTime(s.started * 1000) : "–";
  },
  age(s) {
    return s.started ? relative(s.started * 1000) : "";
  },
  traffic(s) {
    return `${bytes(s.bytes_in)} / ${bytes(s.bytes_out)}`;
  },
  label(verb, s) {
    return `${verb} ${s.owner}'s session on ${s.server}`;
  },
  watch(s) {
    openPanel("terminal", { props: { watch: s.id, label: `${s.server} (${s.owner})` }, title: `Watch: ${s.server} (${s.owner})`, key: `watch:${s.id}` });
  },
  async terminate(s) {
    const ok = await confirmAction({
      title: `Terminate ${s.owner}'s session on ${s.server}?`,
      message: "The shell is closed at once, for the owner and everyone attached. The audit log records who ended it.",
      confirmLabel: "Terminate",
      danger: true,
    });
    if (!ok) return;
    try {
      await api.del(`api/terminal/sessions/${encodeURIComponent(s.id)}`);
      notify(`${s.owner}'s session on ${s.server} was terminated.`, "success");
    } catch (error) {
      notify(describeError(error), "error");
    }
    await this.load();
  },
}));

const SCREEN = `
<div class="screen live-sessions" x-data="liveSessions">
  <header class="screen-head">
    <h2>Live sessions</h2>
    <p class="muted">Every terminal running on this gateway. Watching is read-only and audited; the owner sees you among the attached clients.</p>
  </header>
  <div class="toolbar">
    <span class="muted" role="status" x-text="countLabel()"></span>
    <span class="grow"></span>
    <button class="btn btn-small" type="button" @click="load()">Refresh</button>
  </div>
  <p class="form-error" role="alert" x-show="error" x-text="error"></p>
  <div class="card live-empty" x-show="isEmpty()">
    <p><strong>No terminal sessions are running.</strong></p>
    <p class="muted">Sessions appear here as soon as someone opens an SSH tab.</p>
  </div>
  <div class="card table-wrap" x-show="hasSessions()">
    <table class="data-table live-table">
      <thead><tr><th scope="col">Server</th><th scope="col">User</th><th scope="col">Started</th><th scope="col">In / out</th><th scope="col">Attached</th><th scope="col">Worker</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>
        <template x-for="s in sessions" :key="s.id">
          <tr :aria-label="label('Session:', s)">
            <td data-label="Server"><strong x-text="s.server"></strong></td>
            <td data-label="User" x-text="s.owner"></td>
            <td data-label="Started"><span><span x-text="started(s)"></span> <span class="muted small" x-text="age(s)"></span></span></td>
            <td data-label="In / out" class="mono small" x-text="traffic(s)"></td>
            <td data-label="Attached" x-text="s.clients"></td>
            <td data-label="Worker" class="mono small" x-text="s.worker"></td>
            <td class="live-actions">
              <button class="btn btn-small" type="button" @click="watch(s)" :aria-label="label('Watch', s)">Watch</button>
              <button class="btn btn-small btn-danger-ghost" type="button" @click="terminate(s)" :aria-label="label('Terminate', s)">Terminate</button>
            </td>
          </tr>
        </template>
      </tbody>
    </table>
  </div>
</div>`;

// Panel mount: our own constant markup, then Alpine runs it (alpine: true in core.js).
export function mountLiveSessions(el) {
  const template = document.createElement("template");
  template.innerHTML = SCREEN.trim(); // never remote text: that only goes through x-text
  el.append(template.content);
  Alpine.initTree(el);
  return {
    unmount() {
      Alpine.destroyTree(el);
    },
  };
}
