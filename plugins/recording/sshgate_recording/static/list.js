// The Recordings screen's logic (Alpine component "recordingsScreen", markup in screen.js):
// the table with its filters and paging, the search inside the recordings' output, and the
// row actions (replay, download, delete for administrators).
import Alpine from "../../vendor/alpine/alpine.esm.min.js";
import { describeError } from "../../app/api.js";
import { makeContext } from "../../app/context.js";
import { dateTime, formatBytes, localInputToIso, relative } from "../../app/format.js";
import { clockTime, duration, recordingLink, statusClass, statusHint, statusLabel } from "./format.js";
import { openRecording } from "./open.js";

const PAGE = 50;
const MATCHES = 20;
const REFRESH_MS = 3000;

function blankFilters() {
  return { user: "", server: "", since: "", until: "", q: "" };
}

Alpine.data("recordingsScreen", () => ({
  filters: blankFilters(),
  recordings: [],
  total: 0,
  loading: false,
  error: "",
  output: "",
  matches: [],
  searched: false,
  searching: false,
  searchError: "",
  scanned: 0,
  truncated: false,
  init() {
    this.ctx = makeContext();
    if (window.matchMedia("(max-width: 760px)").matches) this.$refs.filterBox.open = false;
    this.load();
    // A recording still being written grows and then completes: follow it while the tab is
    // on screen (a hidden tab's element, or an ancestor, is [hidden]).
    this.timer = setInterval(() => {
      const growing = this.recordings.some((rec) => rec.status === "recording");
      if (growing && !this.loading && this.$root.offsetParent !== null && document.visibilityState === "visible") this.load();
    }, REFRESH_MS);
  },
  destroy() {
    clearInterval(this.timer);
  },
  isAdmin() {
    return this.ctx.isAdmin();
  },
  // The filters both searches share; the title text only narrows the table.
  scope() {
    const f = this.filters;
    return { user: f.user.trim(), server: f.server.trim(), since: localInputToIso(f.since), until: localInputToIso(f.until) };
  },
  async load(more = false) {
    if (more && this.loading) return;
    this.loading = true;
    this.error = "";
    try {
      const offset = more ? this.recordings.length : 0;
      const page = await this.ctx.api.get("api/recordings", { ...this.scope(), q: this.filters.q.trim(), limit: PAGE, offset });
      this.recordings = more ? [...this.recordings, ...page.recordings] : page.recordings;
      this.total = page.total;
    } catch (error) {
      this.error = describeError(error);
      if (!more) this.recordings = [];
    } finally {
      this.loading = false;
    }
  },
  apply() {
    this.load();
    if (this.searched && this.output.trim()) this.searchOutput();
  },
  reset() {
    this.filters = blankFilters();
    this.apply();
  },
  more() {
    this.load(true);
  },
  hasMore() {
    return this.recordings.length < this.total;
  },
  hasRows() {
    return this.recordings.length > 0;
  },
  isEmpty() {
    return !this.loading && !this.error && this.recordings.length === 0;
  },
  countLabel() {
    if (this.loading && !this.recordings.length) return "Loading…";
    const n = this.total;
    return `${n} ${n === 1 ? "recording" : "recordings"}${this.hasMore() ? `, ${this.recordings.length} shown` : ""}`;
  },
  // Quick filters: click a user or a server in the table to narrow to it.
  byUser(rec) {
    this.filters.user = rec.user;
    this.apply();
  },
  byServer(rec) {
    this.filters.server = rec.server || "";
    this.apply();
  },
  started(rec) {
    return dateTime(rec.started);
  },
  age(rec) {
    return relative(rec.started);
  },
  length(rec) {
    return duration(rec.duration);
  },
  size(rec) {
    return formatBytes(rec.size);
  },
  serverName(rec) {
    return rec.server || "quick connect";
  },
  // Worth a line of its own only when it says more than "user@server".
  subtitle(rec) {
    return rec.title && rec.title !== `${rec.user}@${rec.server}` ? rec.title : "";
  },
  status(rec) {
    return statusLabel(rec.status);
  },
  statusClass(rec) {
    return statusClass(rec.status);
  },
  statusHint(rec) {
    return statusHint(rec.status);
  },
  label(verb, rec) {
    return `${verb} ${rec.user}'s session on ${this.serverName(rec)}, ${this.started(rec)}`;
  },
  castUrl(rec) {
    return `api/recordings/${encodeURIComponent(rec.id)}/download`;
  },
  castName(rec) {
    return `${rec.id}.cast`;
  },
  replay(rec) {
    openRecording(this.ctx, rec, null);
  },
  async remove(rec) {
    const ok = await this.ctx.confirm({
      title: `Delete the recording of ${rec.user}'s session on ${this.serverName(rec)}?`,
      message: `Started ${this.started(rec)}, ${this.length(rec)}. The file is removed from the gateway for good; the audit log records who deleted it.`,
      confirmLabel: "Delete recording",
      danger: true,
    });
    if (!ok) return;
    try {
      await this.ctx.api.del(`api/recordings/${encodeURIComponent(rec.id)}`);
      this.ctx.notify("The recording was deleted.", "success");
      this.matches = this.matches.filter((m) => m.recording.id !== rec.id);
    } catch (error) {
      this.ctx.notify(describeError(error), "error");
    }
    await this.load();
  },

  // --- search inside the output ------------------------------------------------------------
  async searchOutput() {
    const text = this.output.trim();
    if (!text) {
      this.clearSearch();
      return;
    }
    this.searching = true;
    this.searchError = "";
    try {
      const found = await this.ctx.api.get("api/recordings/search", { ...this.scope(), q: text, limit: MATCHES });
      this.matches = found.matches.map((m, index) => ({ ...m, key: `${m.recording.id}:${m.time}:${index}` }));
      this.scanned = found.scanned;
      this.truncated = Boolean(found.truncated);
    } catch (error) {
      this.searchError = describeError(error);
      this.matches = [];
    } finally {
      this.searching = false;
      this.searched = true;
    }
  },
  clearSearch() {
    this.output = "";
    this.matches = [];
    this.searched = false;
    this.searchError = "";
  },
  hasMatches() {
    return this.matches.length > 0;
  },
  noMatches() {
    return this.searched && !this.searching && !this.searchError && this.matches.length === 0;
  },
  matchSummary() {
    if (this.searching) return "Searching…";
    if (!this.searched || this.searchError) return "";
    const n = this.matches.length;
    const where = `${this.scanned} ${this.scanned === 1 ? "recording" : "recordings"} searched`;
    return `${n} ${n === 1 ? "match" : "matches"} · ${where}${this.truncated ? " · more exist: narrow the filters" : ""}`;
  },
  matchTitle(m) {
    return `${m.recording.user} on ${this.serverName(m.recording)}`;
  },
  matchWhen(m) {
    return this.started(m.recording);
  },
  matchAt(m) {
    return `at ${clockTime(m.time)}`;
  },
  matchLink(m) {
    return recordingLink(m.recording.id, m.time);
  },
  matchLabel(m) {
    return `Replay ${m.recording.user}'s session on ${this.serverName(m.recording)} at ${clockTime(m.time)}`;
  },
  openMatch(m) {
    openRecording(this.ctx, m.recording, m.time);
  },
}));
