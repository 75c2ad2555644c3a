// The Webhooks screen's logic (Alpine component "webhooksScreen", markup in screen.js): the
// list, the create/edit form with the event catalogue, Test, Rotate secret and Delete. The
// delivery log of the selected webhook is mixed in from log.js.
import Alpine from "../../vendor/alpine/alpine.esm.min.js";
import { api, describeError } from "../../app/api.js";
import { confirmAction, notify, showSecret } from "../../app/dialogs.js";
import { deliveryLog } from "./log.js";

function blankForm() {
  return { url: "", description: "", events: [], enabled: true, headersText: "", clearHeaders: false };
}

// "Name: value" lines to an object; a line without a colon is an error the form shows.
export function parseHeaders(text) {
  const headers = {};
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(":");
    if (colon < 1) throw new Error(`Header line ${index + 1} needs the form "Name: value".`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function secretNote(url) {
  return `Shown only now. The receiver at ${url} checks the X-Sshgate-Signature header with it; store it there.`;
}

Alpine.data("webhooksScreen", () => ({
  webhooks: [],
  catalogue: [],
  loading: true,
  error: "",
  mode: "none", // "none", "create" or "edit"
  selectedId: null,
  form: blankForm(),
  eventDraft: "",
  formError: "",
  saving: false,
  testing: false,
  ...deliveryLog(),
  async init() {
    await this.load();
    try {
      this.catalogue = (await api.get("api/webhooks/events")).events;
    } catch (error) {
      this.catalogue = [];
      this.error = describeError(error);
    }
    this.startLogRefresh();
  },
  destroy() {
    this.stopLogRefresh();
  },
  async load() {
    try {
      this.webhooks = (await api.get("api/webhooks")).webhooks;
      this.error = "";
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.loading = false;
    }
  },
  // --- list ------------------------------------------------------------------------------
  isEmpty() {
    return !this.loading && this.webhooks.length === 0;
  },
  hasRows() {
    return this.webhooks.length > 0;
  },
  isSelected(hook) {
    return this.selectedId === hook.id;
  },
  hasSelection() {
    return this.selectedId !== null;
  },
  selected() {
    return this.webhooks.find((w) => w.id === this.selectedId) || null;
  },
  eventsLabel(hook) {
    return hook.events.join(", ");
  },
  stateLabel(hook) {
    if (!hook.enabled) return "disabled";
    return hook.overflowing ? "queue full" : "enabled";
  },
  stateClass(hook) {
    if (!hook.enabled) return "badge";
    return hook.overflowing ? "badge badge-danger" : "badge badge-ok";
  },
  queueLabel(hook) {
    const parts = [`${hook.queued} queued`];
    if (hook.dead) parts.push(`${hook.dead} failed`);
    if (hook.dropped) parts.push(`${hook.dropped} dropped`);
    return parts.join(" · ");
  },
  rowLabel(hook) {
    return `Edit webhook ${hook.url}`;
  },
  // --- form ------------------------------------------------------------------------------
  isEditing() {
    return this.mode !== "none";
  },
  isCreating() {
    return this.mode === "create";
  },
  formTitle() {
    return this.isCreating() ? "New webhook" : "Edit webhook";
  },
  saveLabel() {
    return this.isCreating() ? "Create webhook" : "Save";
  },
  startCreate() {
    this.mode = "create";
    this.selectedId = null;
    this.form = blankForm();
    this.eventDraft = this.formError = "";
    this.clearLog();
  },
  select(hook) {
    this.mode = "edit";
    this.selectedId = hook.id;
    this.form = { ...blankForm(), url: hook.url, description: hook.description, events: [...hook.events], enabled: hook.enabled };
    this.eventDraft = this.formError = "";
    this.loadLog();
  },
  close() {
    this.mode = "none";
    this.selectedId = null;
    this.clearLog();
  },
  headerHint() {
    const hook = this.selected();
    if (this.isCreating() || !hook || !hook.header_names.length) {
      return "One per line, Name: value. Stored encrypted, sent with every delivery (a receiver's API key, say).";
    }
    return `Stored encrypted, values not shown: ${hook.header_names.join(", ")}. Lines typed here replace them all; leave empty to keep them.`;
  },
  hasStoredHeaders() {
    const hook = this.selected();
    return !this.isCreating() && Boolean(hook && hook.header_names.length);
  },
  onEventKey(event) {
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();
      this.addEvents();
    }
  },
  addEvents() {
    for (const name of this.eventDraft.split(",").map((e) => e.trim()).filter(Boolean)) {
      if (!this.form.events.includes(name)) this.form.events.push(name);
    }
    this.eventDraft = "";
  },
  removeEvent(name) {
    this.form.events = this.form.events.filter((e) => e !== name);
  },
  removeEventLabel(name) {
    return `Remove event ${name}`;
  },
  catalogueHint() {
    return `${this.catalogue.length} events to choose from; wildcards such as auth.* or * match several.`;
  },
  body() {
    this.addEvents();
    const body = { url: this.form.url.trim(), description: this.form.description.trim(), events: this.form.events, enabled: this.form.enabled };
    if (this.form.clearHeaders) body.headers = {};
    else if (this.form.headersText.trim() || this.isCreating()) body.headers = parseHeaders(this.form.headersText);
    return body;
  },
  async save() {
    this.formError = "";
    let body;
    try {
      body = this.body();
    } catch (error) {
      this.formError = error.message;
      return;
    }
    this.saving = true;
    try {
      if (this.isCreating()) {
        const created = await api.post("api/webhooks", body);
        await this.load();
        this.select(created.webhook);
        notify("Webhook created.", "success");
        await showSecret({ title: "Signing secret", label: "Secret", value: created.secret, note: secretNote(created.webhook.url) });
      } else {
        const changed = await api.patch(`api/webhooks/${this.selectedId}`, body);
        await this.load();
        this.select(changed.webhook);
        notify("Webhook saved.", "success");
      }
    } catch (error) {
      this.formError = describeError(error);
    } finally {
      this.saving = false;
    }
  },
  // --- actions ---------------------------------------------------------------------------
  async sendTest() {
    const hook = this.selected();
    this.testing = true;
    try {
      const answer = await api.post(`api/webhooks/${hook.id}/test`);
      const d = answer.delivery;
      if (answer.ok) notify(`Test delivered: HTTP ${d.status_code} in ${d.latency_ms} ms.`, "success");
      else notify(`Test failed: ${d.error}`, "error");
      await this.load();
      await this.loadLog();
    } catch (error) {
      notify(describeError(error), "error");
    } finally {
      this.testing = false;
    }
  },
  async rotateSecret() {
    const hook = this.selected();
    const sure = await confirmAction({
      title: "Rotate the signing secret?",
      message: "Deliveries are signed with the new secret at once; the receiver must switch to it.",
      confirmLabel: "Rotate secret",
      danger: true,
    });
    if (!sure) return;
    try {
      const answer = await api.post(`api/webhooks/${hook.id}/secret`);
      await showSecret({ title: "New signing secret", label: "Secret", value: answer.secret, note: secretNote(hook.url) });
    } catch (error) {
      notify(describeError(error), "error");
    }
  },
  async remove() {
    const hook = this.selected();
    const sure = await confirmAction({
      title: "Delete this webhook?",
      message: `${hook.url} gets nothing more; its queue and delivery log are deleted too.`,
      confirmLabel: "Delete webhook",
      danger: true,
    });
    if (!sure) return;
    try {
      await api.del(`api/webhooks/${hook.id}`);
      this.close();
      await this.load();
      notify("Webhook deleted.", "success");
    } catch (error) {
      notify(describeError(error), "error");
    }
  },
}));
