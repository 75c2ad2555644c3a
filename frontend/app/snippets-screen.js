// The Snippets screen (TERM-6): search, create, edit and delete snippets; administrators
// also share them with every user. Running one goes through the run dialog
// (snippets-runner.js), which asks for its parameters.
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { api, describeError } from "./api.js";
import { confirmAction, copyText, notify } from "./dialogs.js";
import { openRunner } from "./snippets-run.js";
import { templateParams } from "./snippets-runner.js";
import { isAdmin } from "./store.js";

let screen = null; // the open Snippets screen, if any

// "New snippet" from the palette: the screen opens (or is open), then shows an empty form.
export function newSnippetOnScreen() {
  screen?.newSnippet();
}

function blankForm() {
  return { name: "", command: "", description: "", tags: "", confirm: false, shared: false };
}

Alpine.data("snippetsScreen", () => ({
  snippets: [],
  q: "",
  loading: true,
  error: "",
  formOpen: false,
  editingId: null,
  wasShared: false,
  form: blankForm(),
  errors: {},
  formError: "",
  saving: false,
  timer: null,
  async init() {
    screen = this;
    this.$watch("q", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.load(), 200);
    });
    await this.load();
  },
  destroy() {
    if (screen === this) screen = null;
    clearTimeout(this.timer);
  },
  async load() {
    try {
      this.snippets = (await api.get("api/snippets", { q: this.q.trim() })).snippets;
      this.error = "";
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.loading = false;
    }
  },
  // --- list -------------------------------------------------------------------------------
  isEmpty() {
    return !this.loading && this.snippets.length === 0;
  },
  emptyText() {
    return this.q.trim() ? "No snippet matches." : "No snippets yet. Add the commands you type often.";
  },
  details(s) {
    const parts = [];
    if (s.description) parts.push(s.description);
    if (s.params.length) parts.push(`asks for ${s.params.join(", ")}`);
    if (s.tags.length) parts.push(s.tags.map((t) => `#${t}`).join(" "));
    return parts.join(" · ");
  },
  label(verb, s) {
    return `${verb} ${s.name}`;
  },
  run(s) {
    openRunner(s);
  },
  async copy(s) {
    notify((await copyText(s.command)) ? `${s.name} copied.` : "The clipboard is not available here.", "info");
  },
  async remove(s) {
    const scope = s.shared ? "It is shared: it disappears for every user." : "";
    if (!(await confirmAction({ title: `Delete ${s.name}?`, message: scope, confirmLabel: "Delete", danger: true }))) return;
    try {
      await api.del(`api/snippets/${s.id}`);
      if (this.editingId === s.id) this.cancel();
      notify(`${s.name} deleted.`, "success");
      await this.load();
    } catch (error) {
      notify(describeError(error), "error");
    }
  },
  // --- editor -----------------------------------------------------------------------------
  isAdmin() {
    return isAdmin();
  },
  formTitle() {
    return this.editingId === null ? "New snippet" : "Edit snippet";
  },
  newSnippet() {
    this.openForm(null, blankForm());
  },
  edit(s) {
    this.openForm(s, { name: s.name, command: s.command, description: s.description, tags: s.tags.join(", "), confirm: s.confirm, shared: s.shared });
  },
  openForm(s, form) {
    this.editingId = s ? s.id : null;
    this.wasShared = Boolean(s && s.shared);
    this.form = form;
    this.errors = {};
    this.formError = "";
    this.formOpen = true;
    this.$nextTick(() => this.$refs.name.focus());
  },
  cancel() {
    this.formOpen = false;
    this.editingId = null;
  },
  fieldError(field) {
    return this.errors[field] || "";
  },
  templateHint() {
    const { names, error } = templateParams(this.form.command);
    if (error) return error;
    return names.length ? `Asks for: ${names.join(", ")}.` : "No parameters.";
  },
  async save() {
    const body = {
      name: this.form.name.trim(),
      command: this.form.command,
      description: this.form.description,
      tags: this.form.tags.split(",").map((t) => t.trim()).filter(Boolean),
      confirm: this.form.confirm,
    };
    const creating = this.editingId === null;
    if (isAdmin() && (creating ? this.form.shared : this.form.shared !== this.wasShared)) body.shared = this.form.shared;
    this.saving = true;
    this.errors = {};
    this.formError = "";
    try {
      const saved = creating ? await api.post("api/snippets", body) : await api.patch(`api/snippets/${this.editingId}`, body);
      notify(`${saved.name} saved.`, "success");
      this.cancel();
      await this.load();
    } catch (error) {
      const fields = (error.details && error.details.errors) || [];
      this.errors = Object.fromEntries(fields.map((item) => [String(item.field).split(".")[0], item.message]));
      this.formError = describeError(error);
    } finally {
      this.saving = false;
    }
  },
}));

export const SCREEN = `
<div class="screen" x-data="snippetsScreen">
  <header class="screen-head">
    <h2>Snippets</h2>
    <p class="muted">Commands you type often. <code>{name}</code> asks for a value when you run one; <code>{{</code> and <code>}}</code> are literal braces. Runs are audited: keep passwords and keys out of snippets.</p>
  </header>
  <div class="toolbar">
    <input class="snippet-search" type="search" x-model="q" placeholder="Search name, command, tags" aria-label="Search snippets">
    <span class="grow"></span>
    <button class="btn btn-primary" type="button" @click="newSnippet()">New snippet</button>
  </div>
  <p class="form-error" role="alert" x-show="error" x-text="error"></p>
  <div class="screen-columns">
    <section class="card" aria-labelledby="snippets-list-title">
      <h3 id="snippets-list-title">Saved snippets</h3>
      <p class="muted" x-show="isEmpty()" x-text="emptyText()"></p>
      <ul class="plain-list">
        <template x-for="s in snippets" :key="s.id">
          <li class="snippet-row" :aria-label="s.name">
            <div class="snippet-main">
              <div class="row wrap">
                <strong x-text="s.name"></strong>
                <span class="badge" x-show="s.shared">shared</span>
                <span class="badge badge-warning" x-show="s.confirm">asks before running</span>
              </div>
              <pre class="snippet-command" x-text="s.command"></pre>
              <div class="muted small" x-text="details(s)"></div>
            </div>
            <div class="actions">
              <button class="btn btn-small btn-primary" type="button" @click="run(s)" :aria-label="label('Run', s)">Run</button>
              <button class="btn btn-small" type="button" @click="copy(s)" :aria-label="label('Copy', s)">Copy</button>
              <button class="btn btn-small" type="button" x-show="s.editable" @click="edit(s)" :aria-label="label('Edit', s)">Edit</button>
              <button class="btn btn-small btn-danger-ghost" type="button" x-show="s.editable" @click="remove(s)" :aria-label="label('Delete', s)">Delete</button>
            </div>
          </li>
        </template>
      </ul>
    </section>

    <section class="card" x-show="formOpen" aria-labelledby="snippet-form-title">
      <div class="card-head">
        <h3 id="snippet-form-title" x-text="formTitle()"></h3>
        <button class="icon-btn icon-btn-small" type="button" @click="cancel()" aria-label="Close">
          <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>
        </button>
      </div>
      <form method="dialog" class="stack" @submit.prevent="save()" novalidate>
        <div class="field">
          <label for="sn-name">Name</label>
          <input id="sn-name" x-ref="name" x-model="form.name" maxlength="100" autocomplete="off" placeholder="restart service">
          <p class="field-error" x-show="fieldError('name')" x-text="fieldError('name')"></p>
        </div>
        <div class="field">
          <label for="sn-command">Command</label>
          <textarea id="sn-command" class="mono" rows="4" x-model="form.command" spellcheck="false" placeholder="sudo systemctl restart {service}"></textarea>
          <p class="hint" x-text="templateHint()"></p>
          <p class="field-error" x-show="fieldError('command')" x-text="fieldError('command')"></p>
        </div>
        <div class="field">
          <label for="sn-description">Description</label>
          <input id="sn-description" x-model="form.description" maxlength="2000" autocomplete="off">
          <p class="field-error" x-show="fieldError('description')" x-text="fieldError('description')"></p>
        </div>
        <div class="field">
          <label for="sn-tags">Tags</label>
          <input id="sn-tags" x-model="form.tags" autocomplete="off" placeholder="systemd, web">
          <p class="field-error" x-show="fieldError('tags')" x-text="fieldError('tags')"></p>
        </div>
        <div class="switches">
          <label class="switch"><input type="checkbox" role="switch" x-model="form.confirm"><span>Ask before running</span></label>
          <label class="switch" x-show="isAdmin()"><input type="checkbox" role="switch" x-model="form.shared"><span>Shared with every user</span></label>
        </div>
        <p class="form-error" role="alert" x-show="formError" x-text="formError"></p>
        <div class="row">
          <button class="btn btn-primary" type="submit" :disabled="saving">Save</button>
          <button class="btn btn-ghost" type="button" @click="cancel()">Cancel</button>
        </div>
      </form>
    </section>
  </div>
</div>`;
