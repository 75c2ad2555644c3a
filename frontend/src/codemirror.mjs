// Entry module for the CodeMirror 6 bundle. CodeMirror ships no single-file build, so
// frontend/tools/vendor.mjs bundles this with esbuild into
// frontend/vendor/codemirror/codemirror.bundle.js (+ lazily loaded chunks/ for languages).
// Everything the editor page needs must be re-exported here: the page can only import
// from the bundle, and a second copy of @codemirror/state would break instanceof checks.
import { LanguageDescription } from "@codemirror/language";
import { languages } from "@codemirror/language-data";

export { basicSetup, minimalSetup } from "codemirror";
export { Compartment, EditorSelection, EditorState, Prec, StateEffect, StateField } from "@codemirror/state";
export { Decoration, EditorView, ViewPlugin, keymap, placeholder } from "@codemirror/view";
export {
  LanguageDescription, LanguageSupport, StreamLanguage, indentUnit,
} from "@codemirror/language";
export { languages };
export {
  defaultKeymap, history, historyKeymap, indentWithTab, redo, undo,
} from "@codemirror/commands";
export {
  closeSearchPanel, gotoLine, highlightSelectionMatches, openSearchPanel, search, searchKeymap,
} from "@codemirror/search";
export { oneDark, oneDarkHighlightStyle, oneDarkTheme } from "@codemirror/theme-one-dark";

// Resolve a file name (e.g. "nginx.conf", "main.py") to a LanguageSupport, loading the
// language's chunk on demand; null when no language matches.
export async function languageForFilename(filename) {
  const desc = LanguageDescription.matchFilename(languages, filename);
  return desc ? desc.load() : null;
}
