// Quick connect (TERM-2, UI-2): a shell on a host that is not in the Site Manager, for
// administrators and users granted "quick_connect". The form's credentials go to the
// terminal tab in memory only; the gateway shows the host key for confirmation before any
// of them is sent (the card in notices.js), and nothing is stored.
import { h } from "./dom.js";

export function canQuickConnect(ctx) {
  const user = ctx.user();
  return Boolean(user && (ctx.isAdmin() || (user.permissions || []).includes("quick_connect")));
}

let dialog = null;

function field(id, label, control, extra = "") {
  return h("div", { class: `field ${extra}`.trim() }, h("label", { for: id, text: label }), control);
}

function build() {
  const host = h("input", { id: "qc-host", name: "host", required: true, autocomplete: "off", spellcheck: "false", placeholder: "server.example.org" });
  const port = h("input", { id: "qc-port", name: "port", type: "number", min: "1", max: "65535", value: "22", required: true });
  const user = h("input", { id: "qc-user", name: "username", required: true, autocomplete: "off", spellcheck: "false" });
  const password = h("input", { id: "qc-password", name: "password", type: "password", autocomplete: "off" });
  const key = h("textarea", { id: "qc-key", name: "private_key", rows: "5", class: "mono", spellcheck: "false", placeholder: "-----BEGIN OPENSSH PRIVATE KEY-----" });
  const passphrase = h("input", { id: "qc-passphrase", name: "passphrase", type: "password", autocomplete: "off" });
  const choice = (value, text, checked) =>
    h("label", {}, h("input", { type: "radio", name: "qc-auth", value, checked }), h("span", { text }));
  const auth = h("div", { class: "segmented", role: "radiogroup", "aria-label": "Sign in with" }, choice("password", "Password", true), choice("key", "Private key", false));
  const passwordField = field("qc-password", "SSH password", password, "span-2");
  const keyFields = h("div", { class: "span-2 stack", hidden: true }, field("qc-key", "Private key (OpenSSH or PEM)", key), field("qc-passphrase", "Key passphrase (if any)", passphrase));
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const form = h(
    "form",
    { class: "dialog-body", novalidate: true },
    h("h2", { id: "qc-title", text: "Quick connect" }),
    h("p", { class: "muted", text: "A one-off SSH session to a host outside the Site Manager. You confirm the host key before any password or key is sent. Nothing is stored; the session is audited." }),
    h("div", { class: "grid-2 quick-grid" }, field("qc-host", "Host", host), field("qc-port", "Port", port), field("qc-user", "Username", user, "span-2"), h("div", { class: "span-2" }, auth), passwordField, keyFields),
    error,
    h("footer", { class: "dialog-foot" }, h("button", { class: "btn", type: "button", value: "cancel", onclick: () => dialog.close() }, "Cancel"), h("button", { class: "btn btn-primary", type: "submit" }, "Connect")),
  );
  const el = h("dialog", { class: "dialog quick-connect", "aria-labelledby": "qc-title" }, form);
  auth.addEventListener("change", () => {
    const useKey = form.elements["qc-auth"].value === "key";
    passwordField.hidden = useKey;
    keyFields.hidden = !useKey;
  });
  // The secrets leave the form as soon as it closes, however it closes.
  el.addEventListener("close", () => {
    password.value = key.value = passphrase.value = "";
    error.hidden = true;
  });
  return { el, form, host, port, user, password, key, passphrase, error };
}

function read(parts) {
  const useKey = parts.form.elements["qc-auth"].value === "key";
  const port = Number(parts.port.value);
  const message = { host: parts.host.value.trim(), port, username: parts.user.value.trim() };
  if (!message.host) return { problem: "Enter the host name or address." };
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { problem: "The port is a number from 1 to 65535." };
  if (!message.username) return { problem: "Enter the username." };
  if (useKey) {
    if (!parts.key.value.trim()) return { problem: "Paste the private key." };
    message.private_key = parts.key.value;
    if (parts.passphrase.value) message.passphrase = parts.passphrase.value;
  } else {
    if (!parts.password.value) return { problem: "Enter the password." };
    message.password = parts.password.value;
  }
  return { message };
}

export function openQuickConnect(ctx) {
  if (!dialog) {
    const parts = build();
    dialog = parts.el;
    document.body.append(dialog);
    parts.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const { problem, message } = read(parts);
      if (problem) {
        parts.error.textContent = problem;
        parts.error.hidden = false;
        return;
      }
      const label = `${message.username}@${message.host}${message.port === 22 ? "" : `:${message.port}`}`;
      dialog.close();
      dialog.ctx.openPanel("terminal", { props: { quick: message, label } });
    });
  }
  dialog.ctx = ctx;
  dialog.showModal();
  dialog.querySelector("#qc-host").focus();
}
