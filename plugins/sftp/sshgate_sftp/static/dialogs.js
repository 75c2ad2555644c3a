// The panel's own small dialogs: a name prompt (new folder, rename) and the chmod grid.
// Native <dialog> elements give focus trapping and Esc; each resolves to the answer or null.
import { h } from "./dom.js";

function modal(host, title, body, { confirmLabel, onSubmit, danger = false }) {
  return new Promise((resolve) => {
    const error = h("p", { class: "form-error", role: "alert", hidden: true });
    const cancel = h("button", { type: "button", class: "btn", text: "Cancel" });
    const ok = h("button", { type: "submit", class: danger ? "btn btn-danger" : "btn btn-primary", text: confirmLabel });
    const heading = h("h2", { text: title });
    const form = h("form", { class: "dialog-body", method: "dialog" }, heading, body, error, h("div", { class: "dialog-foot" }, cancel, ok));
    const dialog = h("dialog", { class: "dialog files-dialog", "aria-label": title }, form);
    let answer = null;
    cancel.addEventListener("click", () => dialog.close());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      ok.disabled = true;
      try {
        const value = await onSubmit();
        answer = value === undefined ? true : value;
        dialog.close();
      } catch (problem) {
        error.textContent = problem && problem.message ? problem.message : String(problem);
        error.hidden = false;
      } finally {
        ok.disabled = false;
      }
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(answer);
    });
    host.append(dialog);
    dialog.showModal();
  });
}

// Ask for a file or folder name. submit(name) may throw to keep the dialog open with the
// error shown under the field.
export function promptName(host, { title, label, value = "", confirmLabel = "OK", selectStem = false, submit }) {
  const id = `files-name-${Math.random().toString(36).slice(2)}`;
  const input = h("input", { id, type: "text", value, autocomplete: "off", spellcheck: "false", required: true });
  const field = h("div", { class: "field" }, h("label", { for: id, text: label }), input);
  const done = modal(host, title, field, {
    confirmLabel,
    onSubmit: async () => {
      const name = input.value;
      if (!name.trim()) throw new Error("Enter a name.");
      if (name.includes("/")) throw new Error("A name cannot contain “/”.");
      if (name === "." || name === "..") throw new Error("That name is reserved.");
      return submit ? submit(name) : name;
    },
  });
  input.focus();
  const dot = value.lastIndexOf(".");
  input.setSelectionRange(0, selectStem && dot > 0 ? dot : value.length);
  return done;
}

const WHO = [["owner", "Owner"], ["group", "Group"], ["other", "Others"]];
const BITS = [["r", "Read", 4], ["w", "Write", 2], ["x", "Execute", 1]];

// The chmod dialog: a 3x3 grid of checkboxes kept in step with an octal field. mode is the
// current "0644" (of the first entry); submit(modeString) applies it.
export function chmodDialog(host, { title, mode, note, submit }) {
  let value = parseInt(mode || "0644", 8) & 0o7777;
  const boxes = [];
  const octalId = `files-octal-${Math.random().toString(36).slice(2)}`;
  const octal = h("input", { id: octalId, type: "text", class: "mono files-octal", inputmode: "numeric", maxlength: "4", autocomplete: "off", "aria-describedby": `${octalId}-hint` });
  const grid = h("div", { class: "files-chmod-grid", role: "group", "aria-label": "Permissions" }, h("span"), ...BITS.map(([, label]) => h("span", { class: "files-chmod-head", text: label })));
  WHO.forEach(([who, whoLabel], row) => {
    grid.append(h("span", { class: "files-chmod-who", text: whoLabel }));
    for (const [, bitLabel, bit] of BITS) {
      const mask = bit << (3 * (2 - row));
      const box = h("input", { type: "checkbox", "aria-label": `${whoLabel} ${bitLabel.toLowerCase()}`, "data-who": who });
      box.addEventListener("change", () => {
        value = box.checked ? value | mask : value & ~mask;
        sync(false);
      });
      boxes.push([box, mask]);
      grid.append(h("label", { class: "files-chmod-cell" }, box));
    }
  });
  const sync = (fromOctal) => {
    for (const [box, mask] of boxes) box.checked = Boolean(value & mask);
    if (!fromOctal) octal.value = value.toString(8).padStart(4, "0");
  };
  octal.addEventListener("input", () => {
    if (/^[0-7]{3,4}$/.test(octal.value)) {
      value = parseInt(octal.value, 8);
      sync(true);
    }
  });
  sync(false);
  const body = h(
    "div",
    { class: "stack" },
    grid,
    h("div", { class: "field files-octal-field" }, h("label", { for: octalId, text: "Octal mode" }), octal, h("span", { id: `${octalId}-hint`, class: "hint", text: note || "Three or four octal digits, such as 0755." })),
  );
  return modal(host, title, body, {
    confirmLabel: "Apply",
    onSubmit: async () => {
      if (!/^[0-7]{3,4}$/.test(octal.value)) throw new Error("The mode is three or four octal digits, such as 0644.");
      const text = octal.value.padStart(4, "0");
      return submit ? submit(text) : text;
    },
  });
}
