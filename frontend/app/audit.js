// The audit log for administrators: filters, newest first, "load older" paging with the
// next_before_id cursor, and export links carrying the same filters.
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { api, describeError, withQuery } from "./api.js";
import { dateTime, localInputToIso, summarize } from "./format.js";

const PAGE = 100;

function blankFilters() {
  return { actor: "", action: "", target: "", outcome: "", since: "", until: "", q: "" };
}

Alpine.data("auditLog", () => ({
  filters: blankFilters(),
  entries: [],
  nextBeforeId: null,
  loading: false,
  error: "",
  expanded: null,
  init() {
    // On a phone the filters would fill the screen: start them folded.
    if (window.matchMedia("(max-width: 760px)").matches) this.$refs.filterBox.open = false;
    this.search();
  },
  query() {
    const f = this.filters;
    return {
      actor: f.actor.trim(),
      action: f.action.trim(),
      target: f.target.trim(),
      outcome: f.outcome,
      since: localInputToIso(f.since),
      until: localInputToIso(f.until),
      q: f.q.trim(),
    };
  },
  async fetchPage(beforeId) {
    this.loading = true;
    this.error = "";
    try {
      const page = await api.get("api/audit", { ...this.query(), limit: PAGE, before_id: beforeId });
      this.entries = beforeId ? [...this.entries, ...page.entries] : page.entries;
      this.nextBeforeId = page.next_before_id;
    } catch (error) {
      this.error = describeError(error);
      if (!beforeId) this.entries = [];
    } finally {
      this.loading = false;
    }
  },
  search() {
    this.fetchPage(null);
  },
  older() {
    if (this.nextBeforeId) this.fetchPage(this.nextBeforeId);
  },
  hasMore() {
    return Boolean(this.nextBeforeId);
  },
  reset() {
    this.filters = blankFilters();
    this.search();
  },
  // Quick filters: click an actor or action in the table to narrow to it.
  byActor(entry) {
    this.filters.actor = entry.actor || "";
    this.search();
  },
  byAction(entry) {
    this.filters.action = entry.action;
    this.search();
  },
  isEmpty() {
    return !this.loading && !this.error && this.entries.length === 0;
  },
  countLabel() {
    return `${this.entries.length} ${this.entries.length === 1 ? "entry" : "entries"}${this.hasMore() ? " (more available)" : ""}`;
  },
  exportUrl(format) {
    return withQuery("api/audit/export", { ...this.query(), format });
  },
  csvUrl() {
    return this.exportUrl("csv");
  },
  jsonlUrl() {
    return this.exportUrl("jsonl");
  },
  when(entry) {
    return dateTime(entry.created_at);
  },
  details(entry) {
    return summarize(entry.details);
  },
  outcomeClass(entry) {
    return `outcome outcome-${entry.outcome}`;
  },
  toggle(entry) {
    this.expanded = this.expanded === entry.id ? null : entry.id;
  },
  isExpanded(entry) {
    return this.expanded === entry.id;
  },
  pretty(entry) {
    return JSON.stringify(entry.details, null, 2);
  },
}));
