// The Site Manager's status dots: the last probe of each server, from GET api/monitoring/status
// (polled, and re-read at once when a monitoring event arrives on the live feed).
const { registerPlugin } = window.sshgate;

const POLL_MS = 15000;
const REASONS = {
  dns: "DNS lookup failed",
  refused: "connection refused",
  unreachable: "unreachable",
  timeout: "timed out",
  banner: "no SSH banner",
  host_key_changed: "host key changed",
  auth_failed: "login refused",
  jump: "jump host failed",
  vetoed: "connection vetoed",
  error: "probe failed",
};
const states = new Map();

function when(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString();
}

function describe(row) {
  const since = row.changed_at ? ` since ${when(row.changed_at)}` : "";
  const checked = row.checked_at ? `; last checked ${when(row.checked_at)}` : "";
  if (row.state === "online") {
    const ms = row.latency_ms == null ? "" : ` (${Math.round(row.latency_ms)} ms)`;
    return { state: "online", label: `Online${ms}${since}${checked}` };
  }
  if (row.state === "offline") {
    const reason = REASONS[row.reason] || row.reason || "offline";
    return { state: "offline", label: `Offline: ${reason}${since}. ${row.message}${checked}` };
  }
  return null; // not probed yet: let another provider (or the grey dot) answer
}

registerPlugin("monitoring", {
  statusProviders: [{
    id: "probe",
    status: (server) => states.get(server.id) || null,
  }],
  async setup(ctx) {
    let busy = false;
    const poll = async () => {
      if (busy || document.visibilityState === "hidden") return;
      busy = true;
      try {
        const answer = await ctx.api.get("api/monitoring/status");
        states.clear();
        for (const row of answer.servers) {
          const status = describe(row);
          if (status) states.set(row.id, status);
        }
        ctx.statusChanged();
      } catch (error) {
        console.warn("monitoring: status poll failed", error);
      } finally {
        busy = false;
      }
    };
    ctx.onEvent((event) => {
      if (event.name && event.name.startsWith("monitoring.")) poll();
    });
    document.addEventListener("visibilitychange", poll);
    await poll();
    setInterval(poll, POLL_MS);
  },
});
