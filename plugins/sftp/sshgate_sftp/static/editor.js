// The text editor (SFTP-5): CodeMirror 6 from the page's vendor bundle, in a tab of its own
// ("sftp-editor" panel). Language from the file name, Ctrl/Cmd+S saves, a dot in the tab
// title and the header marks unsaved changes. Saving sends the mtime, size and hash that
// were read, so a file changed on the server meanwhile is a 409 conflict, shown with the
// choice to overwrite it or load the server's version. Too large (413) and binary or
// undecodable files (415) say so and offer a download.
import { describeError } from "../../app/api.js";
import { baseName, formatBytes, formatTime, h, icon, isMod } from "./dom.js";
import { FilesApi, saveUrl } from "./fileapi.js";

const BUNDLE = "../../vendor/codemirror/codemirror.bundle.js";

const isDark = () => document.documentElement.dataset.theme === "dark";

export async function mountEditor(el, ctx) {
  const path = ctx.props.path;
  const name = baseName(path);
  const api = new FilesApi(ctx.server.id);
  const readOnly = Boolean(ctx.server.sftp_read_only || ctx.props.readOnly);
  const cm = await import(BUNDLE);

  const dirtyMark = h("span", { class: "files-editor-dirty", title: "Unsaved changes", hidden: true, text: "●" });
  const language = h("span", { class: "badge files-editor-lang", text: "Plain text" });
  const status = h("span", { class: "files-editor-status muted", role: "status", "aria-live": "polite" });
  const save = h("button", { type: "button", class: "btn btn-primary btn-small", title: readOnly ? "This server is read-only: files cannot be saved." : "Save (Ctrl+S)", disabled: true }, icon("save"), "Save");
  const reload = h("button", { type: "button", class: "btn btn-small", text: "Reload" });
  const banner = h("div", { class: "files-editor-banner", role: "alert", hidden: true });
  const host = h("div", { class: "files-editor-host" });
  const root = h(
    "div",
    { class: "files-editor" },
    h(
      "div",
      { class: "files-editor-bar", role: "toolbar", "aria-label": "Editor" },
      h("span", { class: "files-editor-title" }, dirtyMark, h("span", { class: "files-editor-path", text: path, title: path })),
      language,
      status,
      h("span", { class: "grow" }),
      reload,
      save,
    ),
    banner,
    host,
  );
  el.append(root);

  let view = null;
  let saved = null; // {doc, mtime, size, sha256, encoding}
  let saving = false;
  const themeSlot = new cm.Compartment();
  const langSlot = new cm.Compartment();

  const dirty = () => Boolean(view && saved && !view.state.doc.eq(saved.doc));
  const refreshDirty = () => {
    const value = dirty();
    dirtyMark.hidden = !value;
    root.classList.toggle("is-dirty", value);
    save.disabled = readOnly || saving || !value;
    ctx.tab.setTitle(`${value ? "● " : ""}Edit: ${name}`);
  };

  const showBanner = (message, actions = [], kind = "error") => {
    banner.className = `files-editor-banner files-editor-banner-${kind}`;
    banner.replaceChildren(h("span", { class: "files-editor-banner-text", text: message }), actions.length ? h("span", { class: "files-editor-banner-actions" }, ...actions) : null);
    banner.hidden = false;
  };
  const hideBanner = () => {
    banner.hidden = true;
    banner.replaceChildren();
  };
  const downloadButton = () => h("button", { type: "button", class: "btn btn-small", text: "Download instead", onclick: () => saveUrl(api.downloadUrl(path), name) });

  async function write(expected) {
    saving = true;
    refreshDirty();
    status.textContent = "Saving…";
    const content = view.state.doc.toString();
    try {
      const answer = await api.write({ path, content, ...expected, encoding: saved.encoding });
      saved = { doc: view.state.doc, mtime: answer.mtime, size: answer.size, sha256: answer.sha256, encoding: answer.encoding };
      hideBanner();
      status.textContent = `Saved at ${formatTime(Date.now() / 1000).slice(11)} · ${formatBytes(answer.size)}`;
    } catch (error) {
      status.textContent = "Not saved";
      if (error.code === "conflict") {
        const details = error.details || {};
        const when = details.mtime ? ` (now ${formatBytes(details.size)}, modified ${formatTime(details.mtime)})` : "";
        showBanner(`${name} was changed on the server after you opened it${when}. Your changes are not saved.`, [
          h("button", { type: "button", class: "btn btn-small", text: "Load the server's version", onclick: () => load(true) }),
          h("button", { type: "button", class: "btn btn-danger btn-small", text: "Overwrite it", onclick: () => write({ expected_mtime: details.mtime, expected_size: details.size }) }),
        ]);
      } else if (error.status === 413) {
        showBanner(`Not saved: ${describeError(error)}`);
      } else if (error.status === 415) {
        showBanner(`Not saved: the text cannot be stored in the server's encoding. ${describeError(error)}`);
      } else {
        showBanner(`Not saved: ${describeError(error)}`);
      }
    } finally {
      saving = false;
      refreshDirty();
    }
  }

  const doSave = () => {
    if (readOnly || saving || !view || !saved) return;
    write({ expected_mtime: saved.mtime, expected_size: saved.size, expected_sha256: saved.sha256 });
  };

  async function pickLanguage() {
    const desc = cm.LanguageDescription.matchFilename(cm.languages, name);
    if (!desc) return;
    language.textContent = desc.name;
    try {
      const support = await desc.load();
      view.dispatch({ effects: langSlot.reconfigure(support) });
    } catch {
      language.textContent = `${desc.name} (no highlighting)`;
    }
  }

  async function load(discard = false) {
    if (!discard && dirty() && !(await ctx.confirm({ title: "Discard your changes?", message: `Reloading ${name} from the server loses what you changed.`, confirmLabel: "Discard and reload", danger: true }))) return;
    hideBanner();
    status.textContent = "Loading…";
    let file;
    try {
      file = await api.read(path);
    } catch (error) {
      status.textContent = "";
      const why = describeError(error);
      if (error.status === 413) showBanner(`${name} is too large for the editor. ${why}`, [downloadButton()]);
      else if (error.status === 415) showBanner(`${name} cannot be edited as text: ${why}`, [downloadButton()]);
      else showBanner(why, [h("button", { type: "button", class: "btn btn-small", text: "Try again", onclick: () => load(true) })]);
      host.hidden = !view;
      return;
    }
    host.hidden = false;
    if (!view) {
      const state = cm.EditorState.create({
        doc: file.content,
        extensions: [
          cm.Prec.highest(cm.keymap.of([{ key: "Mod-s", preventDefault: true, run: () => (doSave(), true) }])),
          cm.basicSetup,
          cm.keymap.of([cm.indentWithTab]),
          cm.EditorState.readOnly.of(readOnly),
          cm.EditorView.updateListener.of((update) => update.docChanged && refreshDirty()),
          cm.EditorView.contentAttributes.of({ "aria-label": `Contents of ${name}` }),
          themeSlot.of(isDark() ? cm.oneDark : []),
          langSlot.of([]),
        ],
      });
      view = new cm.EditorView({ state, parent: host });
      pickLanguage();
    } else {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: file.content } });
    }
    saved = { doc: view.state.doc, mtime: file.mtime, size: file.size, sha256: file.sha256, encoding: file.encoding };
    status.textContent = `${formatBytes(file.size)} · ${file.encoding}${readOnly ? " · read-only server" : ""}`;
    refreshDirty();
  }

  save.addEventListener("click", doSave);
  reload.addEventListener("click", () => load(false));
  // Ctrl+S anywhere in the tab (not only in the text) saves instead of the browser's "Save page".
  root.addEventListener("keydown", (event) => {
    if (isMod(event) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      doSave();
    }
  });
  const themeWatch = new MutationObserver(() => view && view.dispatch({ effects: themeSlot.reconfigure(isDark() ? cm.oneDark : []) }));
  themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  const beforeUnload = (event) => {
    if (!dirty()) return;
    event.preventDefault();
    event.returnValue = "";
  };
  window.addEventListener("beforeunload", beforeUnload);

  await load(true);
  if (view) view.focus();
  return {
    activated: () => view && view.requestMeasure(),
    unmount() {
      themeWatch.disconnect();
      window.removeEventListener("beforeunload", beforeUnload);
      if (view) view.destroy();
    },
  };
}
