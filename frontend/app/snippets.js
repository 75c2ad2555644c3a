// Command snippets (TERM-6): the Snippets screen (search, create, edit, delete; shared
// snippets for administrators) and "Run snippet…" in the palette, which asks once for each
// {param}, then hands the command to the terminal tab through the documented
// "sshgate:terminal-input" window event (docs/frontend-plugins.md, "Snippets"). The server
// never runs anything: it renders, checks the server, audits, and we type.
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { api, describeError } from "./api.js";
import { confirmAction, copyText, notify } from "./dialogs.js";
import { fuzzyMatch } from "./fuzzy.js";
import { registerPlugin } from "./plugins.js";
import { isAdmin, serverById, store } from "./store.js";
import { activateTab } from "./tabs.js";

export const TERMINAL_INPUT_EVENT = "sshgate:terminal-input";
// Same rules as core/sshgate/snippets/schemas.py; the server has the last word.
const TOKEN = /\{\{|\}\}|\{([^{}]*)\}|[{}]|[^{}]+/g;
const PARAM = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const SECRET_NAME = /pass|secret|token|key|credential/i;
const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

let runner = null; // the snippetRunner dialog component
let screen = null; // the open Snippets screen, if any
let lastTerminal = null; // uid of the terminal tab used most recently

// Our stylesheet sits next to this module; no shared file has to list it.
const style = document.createElement("link");
style.rel = "stylesheet";
style.href = new URL("./snippets.css", import.meta.url).href;
document.head.append(style);

// {names, error}: the parameters in order of first appearance, or why the template is bad.
export function templateParams(command) {
  const names = [];
  for (const match of String(command).matchAll(TOKEN)) {
    const piece = match[0];
    const where = `at character ${match.index + 1}`;
    if (piece === "{" || piece === "}") {
      return { names, error: `A single ${piece} ${where}: write ${piece}${piece} for a literal brace.` };
    }
    if (piece.startsWith("{") && piece !== "{{") {
      if (!PARAM.test(match[1])) return { names, error: `${piece} ${where} is not a parameter name; write {{ and }} for literal braces.` };
      if (!names.includes(match[1])) names.push(match[1]);
    }
  }
  return { names, error: "" };
}

function fill(command, values, mask) {
  return Array.from(String(command).matchAll(TOKEN), (match) => {
    const piece = match[0];
    if (piece === "{{" || piece === "}}") return piece[0];
    if (match[1] === undefined) return piece;
    const value = values[match[1]] || "";
    return mask && SECRET_NAME.test(match[1]) && value ? "•".repeat(value.length) : value || piece;
  }).join("");
}

// --- the terminal side of a run -------------------------------------------------------------

function terminalTabs() {
  return store().tabs.filter((tab) => tab.panelId === "terminal");
}

// The active terminal tab, else the one used last, else none.
function targetTab() {
  const tabs = terminalTabs();
  return tabs.find((tab) => tab.uid === store().activeTab) || tabs.find((tab) => tab.uid === lastTerminal) || null;
}

// A terminal panel may announce its shell on its element (data-server-id, data-session-id):
// a reattached tab knows its server only from the shell's hello.
function shellOf(tab) {
  const data = document.getElementById(`${tab.uid}-panel`)?.dataset || {};
  const serverId = Number.parseInt(data.serverId || "", 10) || tab.serverId || null;
  const sessionId = SESSION_ID.test(data.sessionId || "") ? data.sessionId : null;
  return { serverId, sessionId };
}

// True when a terminal took the text (it calls preventDefault()).
export function typeIntoTerminal(tab, text, run) {
  const event = new CustomEvent(TERMINAL_INPUT_EVENT, {
    cancelable: true,
    detail: { tabId: tab.uid, serverId: shellOf(tab).serverId, text, run, source: "snippets" },
  });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}

async function handOver(command, why) {
  const copied = await copyText(command);
  notify(`${why}: ${copied ? "the command is on the clipboard" : "copy it from the Snippets screen"}.`, "info");
}

export async function runSnippet(snippet, values) {
  const tab = targetTab();
  const path = `api/snippets/${snippet.id}`;
  try {
    if (!tab) {
      const { command } = await api.post(`${path}/render`, { params: values });
      await handOver(command, "No terminal tab is open");
      return;
    }
    const { serverId, sessionId } = shellOf(tab);
    const server = serverId ? serverById(serverId) : null;
    let command = null;
    if (snippet.confirm) {
      ({ command } = await api.post(`${path}/render`, { params: values }));
      const where = server ? server.name : tab.title;
      const ok = await confirmAction({ title: `Run ${snippet.name} on ${where}?`, message: command, confirmLabel: "Run", danger: true });
      if (!ok) return;
    }
    if (serverId) {
      // Checks that we may use this server and writes the audit entry.
      const body = { server_id: serverId, params: values };
      if (sessionId) body.session_id = sessionId;
      ({ command } = await api.post(`${path}/run`, body));
    } else if (command === null) {
      ({ command } = await api.post(`${path}/render`, { params: values }));
    }
    activateTab(tab.uid);
    if (!typeIntoTerminal(tab, command, true)) await handOver(command, "The terminal did not take the command");
  } catch (error) {
    notify(describeError(error), "error");
  }
}

export function openRunner(snippet = null) {
  if (runner) runner.open(snippet);
}

// --- the run dialog: pick a snippet, then one field per {param} ----------------------------

Alpine.data("snippetRunner", () => ({
  step: "pick",
  query: "",
  active: 0,
  snippets: [],
  loading: false,
  enterPending: false,
  snippet: null,
  params: [],
  error: "",
  init() {
    runner = this;
    this.$watch("query", () => {
      this.active = 0;
    });
  },
  async open(snippet) {
    this.error = "";
    if (snippet) return this.pick(snippet);
    this.step = "pick";
    this.query = "";
    this.snippets = [];
    this.loading = true;
    this.enterPending = false;
    this.$refs.dialog.showModal();
    this.$refs.search.focus();
    try {
      this.snippets = (await api.get("api/snippets")).snippets;
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.loading = false;
    }
    // Enter typed before the list arrived picks the best match now.
    const first = this.results()[0];
    if (this.enterPending && first) this.pick(first);
  },
  close() {
    if (this.$refs.dialog.open) this.$refs.dialog.close();
  },
  isPicking() {
    return this.step === "pick";
  },
  isFilling() {
    return this.step === "params";
  },
  results() {
    const query = this.query.trim();
    return this.snippets
      .map((s) => ({ snippet: s, match: query ? fuzzyMatch(query, `${s.name} ${s.tags.join(" ")} ${s.command}`) : { score: 0 } }))
      .filter((row) => row.match)
      .sort((a, b) => b.match.score - a.match.score)
      .map((row) => row.snippet);
  },
  isEmpty() {
    return this.results().length === 0;
  },
  emptyText() {
    if (this.loading) return "Loading…";
    return this.snippets.length ? "Nothing matches." : "No snippets yet: open the Snippets screen to add one.";
  },
  optionId(index) {
    return `snippet-option-${index}`;
  },
  activeId() {
    return this.isEmpty() ? "" : this.optionId(this.active);
  },
  isActive(index) {
    return index === this.active;
  },
  hover(index) {
    this.active = index;
  },
  onKeydown(event) {
    const count = this.results().length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (count) this.active = (this.active + (event.key === "ArrowDown" ? 1 : -1) + count) % count;
    } else if (event.key === "Enter") {
      event.preventDefault();
      const snippet = this.results()[this.active];
      if (snippet) this.pick(snippet);
      else if (this.loading) this.enterPending = true;
    }
  },
  pick(snippet) {
    this.snippet = snippet;
    this.params = snippet.params.map((name, index) => ({
      name,
      value: "",
      id: `snippet-param-${index}`,
      type: SECRET_NAME.test(name) ? "password" : "text",
    }));
    if (!this.params.length) {
      this.close();
      return runSnippet(snippet, {});
    }
    this.step = "params";
    if (!this.$refs.dialog.open) this.$refs.dialog.showModal();
    this.$nextTick(() => this.$refs.form.querySelector("input")?.focus());
    return null;
  },
  title() {
    return this.snippet ? this.snippet.name : "";
  },
  values() {
    return Object.fromEntries(this.params.map((p) => [p.name, p.value]));
  },
  preview() {
    return this.snippet ? fill(this.snippet.command, this.values(), true) : "";
  },
  hasSecret() {
    return this.params.some((p) => p.type === "password");
  },
  runLabel() {
    void this.$store.gate.activeTab;
    const tab = targetTab();
    if (!tab) return "Copy command";
    const { serverId } = shellOf(tab);
    const server = serverId ? serverById(serverId) : null;
    return `Run in ${server ? server.name : tab.title}`;
  },
  submit() {
    this.close();
    runSnippet(this.snippet, this.values());
  },
}));

const RUNNER = `
<dialog class="dialog snippet-runner" x-data="snippetRunner" x-ref="dialog" aria-label="Run snippet">
  <div x-show="isPicking()">
    <div class="palette-search">
      <input x-ref="search" x-model="query" @keydown="onKeydown($event)" placeholder="Search snippets…"
             role="combobox" aria-expanded="true" aria-controls="snippet-options" aria-autocomplete="list"
             :aria-activedescendant="activeId()" aria-label="Search snippets" autocomplete="off" spellcheck="false">
      <kbd>Esc</kbd>
    </div>
    <ul id="snippet-options" class="palette-list" role="listbox" aria-label="Snippets">
      <template x-for="(snippet, index) in results()" :key="snippet.id">
        <li role="option" :id="optionId(index)" :aria-selected="isActive(index)" :class="{ active: isActive(index) }"
            @click="pick(snippet)" @mousemove="hover(index)">
          <span class="palette-label" x-text="snippet.name"></span>
          <span class="palette-hint mono" x-text="snippet.command"></span>
        </li>
      </template>
    </ul>
    <p class="palette-empty muted" x-show="isEmpty()" x-text="emptyText()"></p>
    <p class="form-error pad" role="alert" x-show="error" x-text="error"></p>
  </div>
  <form class="dialog-body" x-ref="form" x-show="isFilling()" @submit.prevent="submit()">
    <h2 x-text="title()"></h2>
    <pre class="snippet-command" aria-label="Command preview" x-text="preview()"></pre>
    <template x-for="param in params" :key="param.id">
      <div class="field">
        <label :for="param.id" x-text="param.name"></label>
        <input :id="param.id" :type="param.type" x-model="param.value" autocomplete="off" spellcheck="false">
      </div>
    </template>
    <p class="hint">Values are typed as they are, unquoted, and cannot span lines.</p>
    <p class="hint" x-show="hasSecret()">Runs are audited; values of password-like parameters are not recorded.</p>
    <footer class="dialog-foot">
      <button class="btn" type="button" @click="close()">Cancel</button>
      <button class="btn btn-primary" type="submit" x-text="runLabel()"></button>
    </footer>
  </form>
</dialog>`;

// --- the Snippets screen -------------------------------------------------------------------

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

const SCREEN = `
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

function fromHtml(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim(); // our own constant markup, never remote text
  return template.content;
}

document.body.append(fromHtml(RUNNER));

registerPlugin("snippets", {
  panels: [
    {
      id: "snippets",
      title: "Snippets",
      single: true,
      alpine: true,
      mount(el) {
        el.append(fromHtml(SCREEN));
        Alpine.initTree(el);
        return {
          unmount() {
            Alpine.destroyTree(el);
          },
        };
      },
    },
  ],
  menuItems: [{ id: "snippets", label: "Snippets", run: (ctx) => ctx.openPanel("snippets") }],
  paletteCommands: [
    { id: "run", label: "Run snippet…", run: () => openRunner() },
    { id: "open", label: "Snippets", run: (ctx) => ctx.openPanel("snippets") },
    {
      id: "new",
      label: "New snippet",
      run: async (ctx) => {
        await ctx.openPanel("snippets");
        screen?.newSnippet();
      },
    },
  ],
  setup() {
    // Remember the terminal tab used last, so that running from the Snippets screen (which
    // is itself a tab) still knows where to type.
    Alpine.effect(() => {
      const s = store();
      const tab = s.tabs.find((t) => t.uid === s.activeTab);
      if (tab && tab.panelId === "terminal") lastTerminal = tab.uid;
    });
  },
});
