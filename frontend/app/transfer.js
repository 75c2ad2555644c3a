// Registry import and export for administrators. Export downloads the plain document (no
// secrets); import takes sshgate's or webgate's JSON, sealed exports with their passphrase.
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { api, describeError } from "./api.js";
import { notify } from "./dialogs.js";
import { loadServers } from "./store.js";

export function exportServers() {
  // A plain link keeps the browser's own download handling (and the session cookie).
  const link = document.createElement("a");
  link.href = "api/servers/export";
  link.download = "sshgate-servers.json";
  document.body.append(link);
  link.click();
  link.remove();
}

export function openImport() {
  document.getElementById("import-dialog").showModal();
}

Alpine.data("importForm", () => ({
  fileName: "",
  document: null,
  passphrase: "",
  onConflict: "skip",
  error: "",
  busy: false,
  async pick(event) {
    const file = event.target.files[0];
    this.error = "";
    this.document = null;
    this.fileName = file ? file.name : "";
    if (!file) return;
    try {
      this.document = JSON.parse(await file.text());
    } catch {
      this.error = `${file.name} is not a JSON file.`;
    }
  },
  isSealed() {
    return Boolean(this.document && this.document.sealed);
  },
  cannotSubmit() {
    return this.busy || !this.document;
  },
  close() {
    this.$refs.dialog.close();
    this.document = null;
    this.fileName = this.passphrase = this.error = "";
  },
  async submit() {
    this.busy = true;
    this.error = "";
    try {
      // webgate exports are a bare list; ours are a document with a servers key.
      const doc = Array.isArray(this.document) ? { servers: this.document } : this.document;
      const body = { ...doc, on_conflict: this.onConflict };
      if (this.passphrase) body.passphrase = this.passphrase;
      const report = await api.post("api/servers/import", body);
      await loadServers();
      const parts = ["created", "updated", "skipped"].filter((k) => report[k].length).map((k) => `${report[k].length} ${k}`);
      notify(`Import done: ${parts.join(", ") || "nothing to change"}.`, "success");
      this.close();
    } catch (error) {
      // A rejected import lists every bad row; show them all, since nothing was imported.
      const rows = (error.code === "import_rejected" && error.details.errors) || [];
      const lines = rows.map((r) => `${r.row === null ? "file" : `row ${r.row}`}: ${[].concat(r.errors).join("; ")}`);
      this.error = [describeError(error), ...lines].join("\n");
    } finally {
      this.busy = false;
    }
  },
}));
