// The share dialog (SHARE-1): the owner mints a link to this shell, read-only or read-write,
// valid for a while; lists the links still valid and revokes them. The token is shown once,
// inside the link's fragment (#join=...), which browsers never send to a server: the joining
// page reads it and sends it in the WebSocket's first message (terminal/join.js).
import { api, describeError } from "../api.js";
import { copyText } from "../dialogs.js";
import { clock, relative } from "../format.js";
import { h } from "./dom.js";

const EXPIRIES = [
  [900, "15 minutes"],
  [3600, "1 hour"],
  [8 * 3600, "8 hours"],
  [24 * 3600, "24 hours"],
];
const MODE_LABEL = { ro: "Read-only", rw: "Read-write" };
let dialogs = 0;

// The app's own address (a sub-path included) with the token in the fragment.
export function joinUrl(token) {
  const url = new URL(".", document.baseURI);
  url.hash = `join=${token}`;
  return url.href;
}

export function activeShares(shares, now = Date.now()) {
  return shares.filter((share) => !share.revoked && new Date(share.expires_at).getTime() > now);
}

function modeChoice(name, value, title, text, checked) {
  return h(
    "label",
    { class: "share-mode" },
    h("input", { type: "radio", name, value, checked }),
    h("span", {}, h("strong", { text: title }), h("small", { text })),
  );
}

// options: sessionId() -> the shell's id; server (its name); onChanged() after a change.
export function createShareDialog({ sessionId, server, onChanged }) {
  dialogs += 1;
  const id = `share-${dialogs}`;
  const name = `${id}-mode`;
  const expiry = h("select", { id: `${id}-expiry` }, EXPIRIES.map(([seconds, label]) => h("option", { value: seconds, selected: seconds === 3600 }, label)));
  const create = h("button", { class: "btn btn-primary", type: "submit" }, "Create link");
  const form = h(
    "form",
    { class: "share-form" },
    h(
      "fieldset",
      { class: "share-modes" },
      h("legend", { text: "Access" }),
      modeChoice(name, "ro", "Read-only", "They watch; their keys are not sent.", true),
      modeChoice(name, "rw", "Read-write", "They can type into your shell.", false),
    ),
    h("div", { class: "field" }, h("label", { for: expiry.id, text: "Link expires after" }), expiry),
    h("div", { class: "row" }, create),
  );
  const linkInput = h("input", { id: `${id}-link`, class: "grow mono", readonly: true, "aria-label": "Share link" });
  const copy = h("button", { class: "btn", type: "button" }, "Copy");
  const result = h(
    "div",
    { class: "share-result", hidden: true },
    h("label", { for: linkInput.id, text: "New link: shown only now" }),
    h("div", { class: "row" }, linkInput, copy),
    h("p", { class: "hint", text: "Send it over a channel you trust. Whoever opens it and may use this server joins your shell until the link expires or you revoke it." }),
  );
  const list = h("ul", { class: "plain-list share-list", "aria-label": "Active links" });
  const empty = h("p", { class: "muted", text: "No active links." });
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const close = h("button", { class: "btn", type: "button" }, "Close");
  const el = h(
    "dialog",
    { class: "dialog share-dialog", "aria-labelledby": `${id}-title` },
    h(
      "div",
      { class: "dialog-body" },
      h("h2", { id: `${id}-title`, text: "Share this terminal" }),
      h("p", { class: "muted", text: `People you send a link to join your shell on ${server} live, after signing in. They must be allowed to use ${server}.` }),
      form,
      result,
      h("h3", { class: "share-list-title", text: "Active links" }),
      list,
      empty,
      error,
      h("footer", { class: "dialog-foot" }, close),
    ),
  );

  function fail(problem) {
    error.textContent = problem ? describeError(problem) : "";
    error.hidden = !problem;
  }

  function row(share) {
    const expires = new Date(share.expires_at);
    const revoke = h("button", { class: "btn btn-small btn-danger-ghost", type: "button", "aria-label": `Revoke the ${MODE_LABEL[share.mode].toLowerCase()} link made at ${clock(new Date(share.created_at))}` }, "Revoke");
    revoke.addEventListener("click", async () => {
      revoke.disabled = true;
      try {
        await api.del(`api/terminal/sessions/${encodeURIComponent(sessionId())}/shares/${encodeURIComponent(share.id)}`);
        fail(null);
      } catch (problem) {
        fail(problem);
      }
      await refresh();
      onChanged?.();
    });
    return h(
      "li",
      { class: "list-row share-row" },
      h(
        "div",
        {},
        h("span", { class: share.mode === "rw" ? "badge badge-warning" : "badge badge-ok", text: MODE_LABEL[share.mode] }),
        h("span", { class: "share-expiry", text: ` expires ${relative(expires)} (${clock(expires)})` }),
      ),
      revoke,
    );
  }

  async function refresh() {
    try {
      const { shares } = await api.get(`api/terminal/sessions/${encodeURIComponent(sessionId())}/shares`);
      const active = activeShares(shares);
      list.replaceChildren(...active.map(row));
      empty.hidden = active.length > 0;
    } catch (problem) {
      fail(problem);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    create.disabled = true;
    const mode = form.querySelector(`input[name="${name}"]:checked`).value;
    try {
      const share = await api.post(`api/terminal/sessions/${encodeURIComponent(sessionId())}/shares`, { mode, expires_in: Number(expiry.value) });
      linkInput.value = joinUrl(share.token);
      copy.textContent = "Copy";
      result.hidden = false;
      fail(null);
      linkInput.focus();
      linkInput.select();
      onChanged?.();
    } catch (problem) {
      fail(problem);
    } finally {
      create.disabled = false;
    }
    await refresh();
  });
  copy.addEventListener("click", async () => {
    // Without clipboard access (plain http on a LAN address) the link is left selected.
    copy.textContent = (await copyText(linkInput.value, linkInput)) ? "Copied" : "Press Ctrl+C";
  });
  close.addEventListener("click", () => el.close());
  // The link is shown once: closing forgets it.
  el.addEventListener("close", () => {
    linkInput.value = "";
    result.hidden = true;
  });

  return {
    el,
    open() {
      fail(null);
      el.showModal();
      form.querySelector("input:checked").focus();
      refresh();
    },
  };
}
