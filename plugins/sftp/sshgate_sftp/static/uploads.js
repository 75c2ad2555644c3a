// The upload queue: every file of a drop or a pick becomes a row with its own progress bar,
// speed, cancel button, and (on failure) the server's message with Retry, or Replace when
// the file exists. Two files go at a time, each through the resumable protocol. Uploads a
// reload (or a closed tab) interrupted are listed from the server: pick the same file again
// to send only what is missing, or discard them (which removes their part files).
import { describeError } from "../../app/api.js";
import { baseName, formatBytes, h, icon, iconButton } from "./dom.js";
import { Cancelled, ResumableUpload } from "./resumable.js";

const PARALLEL = 2;
const ACTIVE = new Set(["queued", "uploading"]);

export class UploadQueue {
  // onFinished(path) after each completed file (the panel refreshes the listing).
  constructor(api, { onFinished }) {
    this.api = api;
    this.onFinished = onFinished;
    this.items = [];
    this.running = 0;
    this.summary = h("span", { class: "files-queue-summary", "aria-live": "polite" });
    this.list = h("ul", { class: "files-queue-list", "aria-label": "Upload queue" });
    this.toggleButton = h("button", { type: "button", class: "btn btn-ghost btn-small", "aria-expanded": "true", text: "Hide", onclick: () => this.setCollapsed(!this.collapsed) });
    this.clearButton = h("button", { type: "button", class: "btn btn-ghost btn-small", text: "Clear finished", onclick: () => this.clearFinished() });
    this.el = h(
      "section",
      { class: "files-queue", "aria-label": "Uploads", hidden: true },
      h("div", { class: "files-queue-head" }, h("strong", { text: "Uploads" }), this.summary, h("span", { class: "grow" }), this.clearButton, this.toggleButton),
      this.list,
    );
    this.collapsed = false;
  }

  setCollapsed(value) {
    this.collapsed = value;
    this.list.hidden = value;
    this.toggleButton.textContent = value ? "Show" : "Hide";
    this.toggleButton.setAttribute("aria-expanded", String(!value));
  }

  add({ file, path, label, state = "queued", resumeId = null, size = null }) {
    const item = { file, path, label, state, resumeId, size: file ? file.size : size, error: "", overwrite: false, upload: null, started: 0, row: null };
    item.row = this.renderRow(item);
    this.items.push(item);
    this.list.append(item.row.el);
    this.el.hidden = false;
    this.update(item);
    this.pump();
    return item;
  }

  pump() {
    while (this.running < PARALLEL) {
      const next = this.items.find((item) => item.state === "queued");
      if (!next) break;
      this.start(next);
    }
    this.renderSummary();
  }

  async start(item) {
    this.running += 1;
    item.state = "uploading";
    item.error = "";
    item.started = performance.now();
    const options = { file: item.file, path: item.path, overwrite: Boolean(item.overwrite), id: item.resumeId };
    item.upload = new ResumableUpload(this.api, options, () => this.update(item));
    this.update(item);
    try {
      await item.upload.run();
      item.state = item.upload.cancelled ? "cancelled" : "done";
      if (item.state === "done") this.onFinished(item.path);
    } catch (error) {
      if (error instanceof Cancelled || item.upload.cancelled) item.state = "cancelled";
      else {
        item.state = error.code === "exists" ? "exists" : "failed";
        item.error = describeError(error);
        // Retry resumes the same server session, unless the server no longer has it.
        const gone = error.code === "gone" || error.code === "not_found";
        item.resumeId = gone || item.state === "exists" ? null : item.upload.id;
        if (gone) item.error = "The server no longer has the interrupted upload: Retry starts it again.";
      }
    } finally {
      this.running -= 1;
      this.update(item);
      this.pump();
    }
  }

  cancel(item) {
    if (item.state === "queued") {
      item.state = "cancelled";
      this.update(item);
      this.renderSummary();
    } else if (item.state === "uploading" && item.upload) {
      item.upload.cancel();
    }
  }

  // Retry after a failure; Replace (overwrite) when the name was taken.
  retry(item, overwrite = false) {
    item.state = "queued";
    item.overwrite = overwrite;
    this.update(item);
    this.pump();
  }

  // The server's unfinished sessions of this user on this server (after a reload, say).
  async loadPending() {
    let sessions = [];
    try {
      sessions = (await this.api.listUploads()).uploads || [];
    } catch {
      return; // no upload permission: nothing of ours can be pending
    }
    for (const session of sessions) {
      if (this.items.some((item) => item.resumeId === session.id || (item.upload && item.upload.id === session.id))) continue;
      const item = this.add({ file: null, path: session.path, label: session.path, state: "interrupted", resumeId: session.id, size: session.size });
      this.api.uploadStatus(session.id).then(
        (status) => {
          item.offset = status.offset;
          this.update(item);
        },
        () => {}, // gone: Resume will say so
      );
    }
  }

  // Resume an interrupted upload: the same file (same name and size) again.
  resumeWith(item) {
    const input = h("input", { type: "file", hidden: true });
    input.addEventListener("change", () => {
      const file = input.files[0];
      input.remove();
      if (!file) return;
      if (file.size !== item.size || file.name !== baseName(item.path)) {
        item.error = `Pick ${baseName(item.path)} of ${formatBytes(item.size)} (that was ${file.name}, ${formatBytes(file.size)}).`;
        this.update(item);
        return;
      }
      item.file = file;
      item.error = "";
      this.retry(item);
    });
    this.el.append(input);
    input.click();
  }

  async discard(item) {
    try {
      await this.api.abortUpload(item.resumeId);
    } catch {
      // Gone already: nothing left to remove.
    }
    item.state = "cancelled";
    item.resumeId = null;
    this.update(item);
  }

  clearFinished() {
    this.items = this.items.filter((item) => {
      const keep = ACTIVE.has(item.state) || ["failed", "exists", "interrupted"].includes(item.state);
      if (!keep) item.row.el.remove();
      return keep;
    });
    if (!this.items.length) this.el.hidden = true;
    this.renderSummary();
  }

  cancelAll() {
    for (const item of this.items) this.cancel(item);
  }

  busy() {
    return this.items.some((item) => ACTIVE.has(item.state));
  }

  renderRow(item) {
    const bar = h("div", { class: "files-progress-bar" });
    const progress = h("div", { class: "files-progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-label": `Upload of ${item.label}` }, bar);
    const status = h("span", { class: "files-queue-status" });
    const actions = h("span", { class: "files-queue-actions" });
    const el = h(
      "li",
      { class: "files-queue-item", "data-path": item.path },
      h("span", { class: "files-queue-icon" }, icon("upload")),
      h("div", { class: "files-queue-main" }, h("div", { class: "files-queue-line" }, h("span", { class: "files-queue-name", text: item.label, title: item.path }), status), progress),
      actions,
    );
    return { el, bar, progress, status, actions };
  }

  update(item) {
    const { row } = item;
    const upload = item.upload;
    const loaded = upload ? upload.loaded : item.offset || 0;
    const total = item.size;
    const percent = total ? Math.floor((loaded / total) * 100) : item.state === "done" ? 100 : 0;
    row.el.dataset.state = item.state;
    row.bar.style.width = `${item.state === "done" ? 100 : percent}%`;
    row.progress.setAttribute("aria-valuenow", String(item.state === "done" ? 100 : percent));
    let text;
    if (item.state === "uploading") {
      const seconds = (performance.now() - item.started) / 1000;
      const speed = seconds > 0.5 ? ` · ${formatBytes(loaded / seconds)}/s` : "";
      text = upload && upload.message ? upload.message : `${formatBytes(loaded)} of ${formatBytes(total)}${speed}`;
    } else {
      text = {
        queued: "Waiting",
        done: `Done · ${formatBytes(total)}`,
        cancelled: "Cancelled",
        exists: "A file with this name exists",
        interrupted: item.error || `Interrupted at ${formatBytes(loaded)} of ${formatBytes(total)}: pick the same file to resume`,
        failed: item.error || "Failed",
      }[item.state];
    }
    row.status.textContent = text;
    row.status.title = text;
    const buttons = [];
    if (ACTIVE.has(item.state)) buttons.push(iconButton("close", `Cancel upload of ${item.label}`, () => this.cancel(item)));
    if (item.state === "failed") buttons.push(h("button", { type: "button", class: "btn btn-small", text: "Retry", onclick: () => this.retry(item) }));
    if (item.state === "interrupted") {
      buttons.push(h("button", { type: "button", class: "btn btn-small", text: "Resume…", onclick: () => this.resumeWith(item) }));
      buttons.push(h("button", { type: "button", class: "btn btn-ghost btn-small", text: "Discard", onclick: () => this.discard(item) }));
    }
    if (item.state === "exists") buttons.push(h("button", { type: "button", class: "btn btn-small", text: "Replace", onclick: () => this.retry(item, true) }));
    row.actions.replaceChildren(...buttons);
    this.renderSummary();
  }

  renderSummary() {
    const done = this.items.filter((item) => item.state === "done").length;
    const failed = this.items.filter((item) => ["failed", "exists", "interrupted"].includes(item.state)).length;
    const parts = [`${done} of ${this.items.length} done`];
    if (failed) parts.push(`${failed} need attention`);
    this.summary.textContent = parts.join(" · ");
  }
}
