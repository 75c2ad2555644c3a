// The activity log pane: a live feed from WS api/ws/events (admins see every audited event,
// users their own), plus local notes such as connection-test results, like FileZilla's
// message log. Plugins subscribe to the same feed with ctx.onEvent().
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { api, wsUrl } from "./api.js";
import { clock, summarize } from "./format.js";
import { savePrefs } from "./store.js";

const MAX_ENTRIES = 500;
const BACKFILL = 30;
const CLOSE_UNAUTHORIZED = 4401;
const listeners = new Set();
let socket = null;
let retry = 0;
let retryTimer = null;
let stopped = true;
let nextId = 1;
let onSessionLost = () => {};

Alpine.store("activity", { entries: [], live: false, unseen: 0 });

function activity() {
  return Alpine.store("activity");
}

function push(entry) {
  const list = activity().entries;
  list.push({ id: nextId++, ...entry });
  if (list.length > MAX_ENTRIES) list.splice(0, list.length - MAX_ENTRIES);
  if (!Alpine.store("gate").logOpen) activity().unseen += 1;
}

export function logLocal(message, outcome = "info", target = "") {
  push({ time: clock(new Date()), name: "status", actor: "", target, outcome, summary: String(message), source_ip: "" });
}

export function onEvent(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function received(event) {
  push({
    time: clock(new Date(event.created)),
    name: event.name,
    actor: event.actor || "",
    target: event.target || "",
    outcome: event.outcome || "",
    summary: summarize(event.properties),
    source_ip: event.source_ip || "",
  });
  for (const listener of listeners) {
    try {
      listener(event);
    } catch (error) {
      console.warn("activity listener failed", error);
    }
  }
}

function schedule() {
  // Back off up to 30 s so that a gateway restart is not met with a reconnect storm.
  const delay = Math.min(30000, 1000 * 2 ** retry);
  retry += 1;
  retryTimer = setTimeout(connect, delay);
}

function connect() {
  if (stopped) return;
  socket = new WebSocket(wsUrl("api/ws/events"));
  socket.addEventListener("message", (message) => {
    let frame;
    try {
      frame = JSON.parse(message.data);
    } catch {
      return;
    }
    if (frame.type === "hello") {
      activity().live = true;
      retry = 0;
    } else if (frame.type === "event" && frame.event) {
      received(frame.event);
    }
  });
  socket.addEventListener("close", (close) => {
    activity().live = false;
    socket = null;
    if (stopped) return;
    if (close.code === CLOSE_UNAUTHORIZED) onSessionLost();
    else schedule();
  });
}

// Administrators start with the latest audit entries, so that the pane has context rather
// than an empty box; everyone then follows the live feed.
async function backfill() {
  const entries = (await api.get("api/audit", { limit: BACKFILL })).entries.reverse();
  for (const entry of entries) {
    push({
      time: clock(new Date(entry.created_at)),
      name: entry.action,
      actor: entry.actor || "",
      target: entry.target || "",
      outcome: entry.outcome || "",
      summary: summarize(entry.details),
      source_ip: entry.source_ip || "",
    });
  }
  activity().unseen = 0;
}

export async function startActivity(sessionLost, { history = false } = {}) {
  onSessionLost = sessionLost;
  if (!stopped) return;
  stopped = false;
  retry = 0;
  activity().entries.splice(0);
  if (history) {
    try {
      await backfill();
    } catch (error) {
      console.warn("could not read the recent audit entries", error);
    }
  }
  connect();
}

export function stopActivity() {
  stopped = true;
  clearTimeout(retryTimer);
  if (socket) socket.close(1000);
  socket = null;
  activity().live = false;
}

Alpine.data("activityLog", () => ({
  init() {
    // Follow the newest line unless the reader scrolled up to look at older ones.
    this.$watch("$store.activity.entries.length", () => {
      const box = this.$refs.scroller;
      if (!box) return;
      const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
      if (atBottom) this.$nextTick(() => (box.scrollTop = box.scrollHeight));
    });
  },
  entries() {
    return this.$store.activity.entries;
  },
  isEmpty() {
    return this.$store.activity.entries.length === 0;
  },
  hasEntries() {
    return !this.isEmpty();
  },
  isOpen() {
    return this.$store.gate.logOpen;
  },
  toggle() {
    const gate = this.$store.gate;
    gate.logOpen = !gate.logOpen;
    if (gate.logOpen) this.$store.activity.unseen = 0;
    savePrefs();
  },
  clear() {
    this.$store.activity.entries.splice(0);
  },
  liveLabel() {
    return this.$store.activity.live ? "live" : "offline";
  },
  liveClass() {
    return this.$store.activity.live ? "live-dot on" : "live-dot";
  },
  hasUnseen() {
    return !this.$store.gate.logOpen && this.$store.activity.unseen > 0;
  },
  outcomeClass(entry) {
    return `outcome outcome-${entry.outcome || "info"}`;
  },
}));
