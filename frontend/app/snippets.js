// Command snippets (TERM-6), registered like any plugin: the Snippets screen (user menu and
// palette), "Run snippet…" and "New snippet" in the palette, and the run dialog every one of
// them (and the terminal's snippet bar) uses. The pieces:
//   snippets-run.js     which terminal types a snippet, the audited run, the input event
//   snippets-runner.js  the run dialog: pick a snippet, fill in its {params}
//   snippets-screen.js  the Snippets screen: list, search, edit
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { registerPlugin } from "./plugins.js";
import { openRunner, trackLastTerminal } from "./snippets-run.js";
import { RUNNER } from "./snippets-runner.js";
import { SCREEN, newSnippetOnScreen } from "./snippets-screen.js";

export { openRunner, runSnippet, typeIntoTerminal, TERMINAL_INPUT_EVENT } from "./snippets-run.js";
export { templateParams } from "./snippets-runner.js";

// Our stylesheet sits next to this module; no shared file has to list it.
const style = document.createElement("link");
style.rel = "stylesheet";
style.href = new URL("./snippets.css", import.meta.url).href;
document.head.append(style);

function fromHtml(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim(); // our own constant markup, never remote text
  return template.content;
}

// The run dialog lives once per page, outside any tab: every way of running uses it.
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
        newSnippetOnScreen();
      },
    },
  ],
  setup() {
    trackLastTerminal();
  },
});
