// The delivery log of the selected webhook, mixed into "webhooksScreen" (editor.js): newest
// first, filtered by status, each delivery's attempts on demand, and Redeliver. Followed
// every few seconds while the screen is on view, since deliveries change on their own.
import { api, describeError } from "../../app/api.js";
import { notify } from "../../app/dialogs.js";
import { dateTime, relative } from "../../app/format.js";

const PAGE = 50;
const REFRESH_MS = 3000;
const STATUS_CLASS = { delivered: "badge badge-ok", dead: "badge badge-danger", pending: "badge badge-warning", sending: "badge" };
const STATUS_LABEL = { delivered: "delivered", dead: "failed", pending: "retrying", sending: "sending" };

export function deliveryLog() {
  return {
    deliveries: [],
    logStatus: "",
    logError: "",
    logLoading: false,
    nextBefore: null,
    openId: null,
    attempts: [],
    payload: "",
    startLogRefresh() {
      this.logTimer = setInterval(() => {
        const visible = this.$root.offsetParent !== null && document.visibilityState === "visible";
        if (this.selectedId !== null && visible && !this.logLoading) this.loadLog({ quiet: true });
      }, REFRESH_MS);
    },
    stopLogRefresh() {
      clearInterval(this.logTimer);
    },
    clearLog() {
      this.deliveries = [];
      this.nextBefore = this.openId = null;
      this.attempts = [];
      this.logError = "";
    },
    async loadLog({ more = false, quiet = false } = {}) {
      const webhookId = this.selectedId;
      if (webhookId === null) return;
      this.logLoading = true;
      const query = { limit: PAGE };
      if (this.logStatus) query.status = this.logStatus;
      if (more && this.nextBefore) query.before = this.nextBefore;
      try {
        const page = await api.get(`api/webhooks/${webhookId}/deliveries`, query);
        if (webhookId !== this.selectedId) return; // another webhook was chosen meanwhile
        // A quiet refresh keeps the pages already shown: only the first is re-read.
        const rest = quiet ? this.deliveries.slice(PAGE) : [];
        this.deliveries = more ? [...this.deliveries, ...page.deliveries] : [...page.deliveries, ...rest];
        if (!quiet) this.nextBefore = page.next_before;
        this.logError = "";
        if (this.openId && !quiet) await this.loadAttempts(this.openId);
      } catch (error) {
        this.logError = describeError(error);
      } finally {
        this.logLoading = false;
      }
    },
    moreLog() {
      this.loadLog({ more: true });
    },
    hasMoreLog() {
      return Boolean(this.nextBefore);
    },
    hasDeliveries() {
      return this.deliveries.length > 0;
    },
    noDeliveries() {
      return !this.logLoading && this.deliveries.length === 0 && !this.logError;
    },
    statusClass(d) {
      return STATUS_CLASS[d.status] || "badge";
    },
    statusLabel(d) {
      return STATUS_LABEL[d.status] || d.status;
    },
    statusHint(d) {
      if (d.status === "pending" && d.next_attempt_at) return `next attempt ${relative(d.next_attempt_at)}`;
      return d.error || "";
    },
    codeLabel(d) {
      return d.status_code ? String(d.status_code) : "—";
    },
    latencyLabel(d) {
      return d.latency_ms === null ? "—" : `${d.latency_ms} ms`;
    },
    whenLabel(d) {
      return dateTime(d.created_at);
    },
    ageLabel(d) {
      return relative(d.created_at);
    },
    canRedeliver(d) {
      return d.status === "delivered" || d.status === "dead";
    },
    deliveryLabel(verb, d) {
      return `${verb} delivery ${d.id.slice(0, 8)} (${d.event})`;
    },
    isOpen(d) {
      return this.openId === d.id;
    },
    async toggle(d) {
      if (this.openId === d.id) {
        this.openId = null;
        return;
      }
      this.openId = d.id;
      await this.loadAttempts(d.id);
    },
    async loadAttempts(id) {
      try {
        const detail = (await api.get(`api/webhooks/${this.selectedId}/deliveries/${id}`)).delivery;
        this.attempts = detail.attempt_log;
        this.payload = JSON.stringify(detail.payload, null, 2);
      } catch (error) {
        this.attempts = [];
        this.payload = "";
        notify(describeError(error), "error");
      }
    },
    attemptLine(a) {
      const code = a.status_code ? `HTTP ${a.status_code}` : a.outcome;
      const why = a.error ? ` (${a.error})` : "";
      const retry = a.retry_at ? `, retry ${relative(a.retry_at)}` : "";
      return `#${a.attempt} ${dateTime(a.started_at)}: ${code} in ${a.latency_ms} ms${why}${retry}`;
    },
    async redeliver(d) {
      try {
        await api.post(`api/webhooks/${this.selectedId}/deliveries/${d.id}/redeliver`);
        notify("Queued again; the receiver sees the same delivery id.", "success");
        await this.loadLog();
      } catch (error) {
        notify(describeError(error), "error");
      }
    },
  };
}
