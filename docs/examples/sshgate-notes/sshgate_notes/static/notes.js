// The Notes panel: your notes, newest first, and a form to add one. Loaded by the page from
// the plugin's extra_js_urls hook (static/plugins/notes/notes.js); see docs/frontend-plugins.md.
import { h } from "../../app/dom.js";

const { registerPlugin } = window.sshgate;

function noteItem(note) {
  const when = new Date(note.created_at);
  return h(
    "li",
    { class: "notes-item" },
    h("p", { class: "notes-text", text: note.text }),
    h("time", { class: "notes-when", datetime: note.created_at, text: when.toLocaleString() }),
  );
}

function mountNotes(el, ctx) {
  const list = h("ul", { class: "notes-list", "aria-label": "Your notes" });
  const text = h("textarea", {
    id: "notes-new-text",
    name: "text",
    rows: 3,
    maxlength: 2000,
    required: true,
    placeholder: "Write something to remember",
  });
  const add = h("button", { class: "notes-add", type: "submit", text: "Add note" });
  const form = h(
    "form",
    { class: "notes-form", "aria-label": "Add a note" },
    h("label", { for: "notes-new-text", text: "New note" }),
    text,
    h("div", { class: "notes-actions" }, add),
  );

  let closed = false;
  async function refresh() {
    const { notes } = await ctx.api.get("api/notes");
    if (closed) return;
    list.replaceChildren(
      ...(notes.length ? notes.map(noteItem) : [h("li", { class: "notes-empty", text: "No notes yet." })]),
    );
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    add.disabled = true;
    try {
      await ctx.api.post("api/notes", { text: text.value });
      text.value = "";
      ctx.notify("Note added.", "success");
      await refresh();
    } catch (error) {
      ctx.notify(ctx.describeError(error), "error");
    } finally {
      add.disabled = false;
    }
  });

  el.append(h("div", { class: "notes-panel" }, h("h2", { text: "Notes" }), form, list));
  refresh().catch((error) => ctx.notify(ctx.describeError(error), "error"));
  return { unmount: () => { closed = true; } };
}

const openNotes = (ctx) => ctx.openPanel("notes");

registerPlugin("notes", {
  panels: [{ id: "notes", title: "Notes", single: true, mount: mountNotes }],
  menuItems: [{ id: "notes", label: "Notes", run: openNotes }],
  paletteCommands: [{ id: "notes", label: "Notes", run: openNotes }],
});
