// Toasts, confirmations and "shown once" secrets. Native <dialog> elements give focus
// trapping and Esc for free; window.confirm is never used (it blocks, and cannot be styled).
import Alpine from "../vendor/alpine/alpine.esm.min.js";

Alpine.store("overlay", {
  toasts: [],
  confirm: { title: "", message: "", confirmLabel: "", danger: false },
  secret: { title: "", label: "", value: "", note: "", copied: false },
});

let nextToast = 1;
let settleConfirm = null;
let settleSecret = null;

function overlay() {
  return Alpine.store("overlay");
}

// kind: info | success | error. Errors stay until dismissed: they usually need reading.
export function notify(message, kind = "info", timeout = 5000) {
  const id = nextToast++;
  overlay().toasts.push({ id, message: String(message), kind });
  if (kind !== "error" && timeout) setTimeout(() => dismissToast(id), timeout);
  return id;
}

export function dismissToast(id) {
  const list = overlay().toasts;
  const index = list.findIndex((toast) => toast.id === id);
  if (index >= 0) list.splice(index, 1);
}

function dialog(id) {
  return document.getElementById(id);
}

export function confirmAction({ title, message = "", confirmLabel = "Confirm", danger = false }) {
  if (settleConfirm) settleConfirm(false);
  Object.assign(overlay().confirm, { title, message, confirmLabel, danger });
  dialog("confirm-dialog").showModal();
  return new Promise((resolve) => {
    settleConfirm = resolve;
  });
}

// A password or API key the server shows exactly once: the dialog says so, offers a copy
// button, and only closes when the person says they have it.
export function showSecret({ title, label, value, note = "" }) {
  Object.assign(overlay().secret, { title, label, value, note, copied: false });
  dialog("secret-dialog").showModal();
  return new Promise((resolve) => {
    settleSecret = resolve;
  });
}

export async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard permission (plain http on a LAN address, headless): select the text so
    // that Ctrl+C works, and let the old command try.
    if (input) {
      input.focus();
      input.select();
      return document.execCommand && document.execCommand("copy");
    }
    return false;
  }
}

Alpine.data("overlays", () => ({
  dismiss(toast) {
    dismissToast(toast.id);
  },
  toastClass(toast) {
    return `toast toast-${toast.kind}`;
  },
  answer(value) {
    dialog("confirm-dialog").close();
    if (settleConfirm) settleConfirm(value);
    settleConfirm = null;
  },
  confirmClass() {
    return overlay().confirm.danger ? "btn btn-danger" : "btn btn-primary";
  },
  onConfirmClosed() {
    // Esc or the close button: treat as "no".
    if (settleConfirm) settleConfirm(false);
    settleConfirm = null;
  },
  async copySecret() {
    const ok = await copyText(overlay().secret.value, this.$refs.secretValue);
    overlay().secret.copied = Boolean(ok);
    if (!ok) notify("Copy failed: select the text and press Ctrl+C.", "error");
  },
  copyLabel() {
    return overlay().secret.copied ? "Copied" : "Copy";
  },
  closeSecret() {
    dialog("secret-dialog").close();
  },
  onSecretClosed() {
    overlay().secret.value = "";
    if (settleSecret) settleSecret();
    settleSecret = null;
  },
}));
