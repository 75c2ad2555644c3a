// The run dialog (TERM-6): pick a snippet (a fuzzy list, unless one was chosen already),
// then one field per {param} with a live preview; its button says where the command goes.
// Also the template rules it relies on: "{name}" asks for a value, "{{" and "}}" are literal
// braces (as core/sshgate/snippets/schemas.py; the server has the last word).
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { api, describeError } from "./api.js";
import { fuzzyMatch } from "./fuzzy.js";
import { listNavigation } from "./listnav.js";
import { runSnippet, setRunner, targetLabel, targetTab } from "./snippets-run.js";

const TOKEN = /\{\{|\}\}|\{([^{}]*)\}|[{}]|[^{}]+/g;
const PARAM = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
// Parameters whose values are typed into a password field and masked in the preview.
export const SECRET_NAME = /pass|secret|token|key|credential/i;

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

// The command with the values filled in, for the preview only (the server renders the real
// one). mask: show password-like values as dots; a missing value keeps its {name}.
export function fill(command, values, mask) {
  return Array.from(String(command).matchAll(TOKEN), (match) => {
    const piece = match[0];
    if (piece === "{{" || piece === "}}") return piece[0];
    if (match[1] === undefined) return piece;
    const value = values[match[1]] || "";
    return mask && SECRET_NAME.test(match[1]) && value ? "•".repeat(value.length) : value || piece;
  }).join("");
}

Alpine.data("snippetRunner", () => ({
  ...listNavigation("snippet"),
  step: "pick",
  query: "",
  snippets: [],
  loading: false,
  enterPending: false,
  snippet: null,
  tabUid: null, // the terminal to type into; null: the active or last one
  params: [],
  error: "",
  init() {
    setRunner(this);
    this.$watch("query", () => {
      this.active = 0;
    });
  },
  async open(snippet, tabUid = null) {
    this.error = "";
    this.tabUid = tabUid;
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
  choose(snippet) {
    this.pick(snippet);
  },
  chooseNothing() {
    if (this.loading) this.enterPending = true;
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
      return runSnippet(snippet, {}, this.tabUid);
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
    const tab = targetTab(this.tabUid);
    return tab ? `Run in ${targetLabel(tab)}` : "Copy command";
  },
  submit() {
    this.close();
    runSnippet(this.snippet, this.values(), this.tabUid);
  },
}));

export const RUNNER = `
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
