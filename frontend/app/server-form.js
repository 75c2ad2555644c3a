// The admin's add / edit server dialog with every registry field. Secrets are write-only: on
// edit, empty secret fields keep what is stored; a PATCH sends only the fields that changed,
// so that the audit log names what really changed.
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { api, describeError } from "./api.js";
import { notify } from "./dialogs.js";
import { approveHostKey, clearHostKey, jumpCandidates } from "./servers.js";
import { loadServers, serverById, store } from "./store.js";

// The registry's accepted encodings (core/sshgate/registry/models.py ENCODINGS).
export const ENCODINGS = ["utf-8", "gbk", "big5", "shift_jis", "euc-jp", "euc-kr", "latin-1", "cp1252"];
const PLAIN = ["name", "host", "port", "username", "auth_method", "group", "description", "jump_via", "ssh_enabled", "sftp_enabled", "sftp_read_only", "encoding"];

let instance = null;

export function openServerForm(server) {
  instance.open(server);
}

function blank() {
  return {
    name: "", host: "", port: 22, username: "", auth_method: "password",
    password: "", private_key: "", key_passphrase: "",
    group: "", tags: [], description: "", jump_via: "",
    ssh_enabled: true, sftp_enabled: true, sftp_read_only: false,
    sftp_allowed_paths: [], encoding: "utf-8",
  };
}

function fromServer(server) {
  return {
    ...blank(),
    ...Object.fromEntries(PLAIN.map((key) => [key, server[key] ?? ""])),
    jump_via: server.jump_via === null ? "" : String(server.jump_via),
    tags: [...server.tags],
    sftp_allowed_paths: [...server.sftp_allowed_paths],
  };
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

Alpine.data("serverForm", () => ({
  editing: null, // the server being edited, or null when adding
  form: blank(),
  original: null,
  tagDraft: "",
  pathDraft: "",
  groups: [],
  errors: {},
  message: "",
  busy: false,
  encodings: ENCODINGS,
  init() {
    instance = this;
  },
  async open(server) {
    this.editing = server ? { id: server.id, name: server.name, has_secret: server.has_secret, has_passphrase: server.has_passphrase } : null;
    this.form = server ? fromServer(server) : blank();
    this.original = server ? fromServer(server) : null;
    this.tagDraft = this.pathDraft = this.message = "";
    this.errors = {};
    this.$refs.dialog.showModal();
    this.$nextTick(() => this.$refs.first.focus());
    try {
      this.groups = (await api.get("api/servers/groups")).groups.map((g) => g.name).filter(Boolean);
    } catch {
      this.groups = [];
    }
  },
  close() {
    this.$refs.dialog.close();
  },
  title() {
    return this.editing ? `Edit ${this.editing.name}` : "Add server";
  },
  submitLabel() {
    return this.editing ? "Save changes" : "Add server";
  },
  isKey() {
    return this.form.auth_method === "key";
  },
  isPassword() {
    return this.form.auth_method === "password";
  },
  secretHint() {
    if (!this.editing || !this.editing.has_secret) return "";
    return "Leave empty to keep the stored secret.";
  },
  jumpOptions() {
    const id = this.editing ? this.editing.id : null;
    return jumpCandidates(id).map((s) => ({ value: String(s.id), label: `${s.name} (${s.host})` }));
  },
  // --- tags: chips plus an input; Enter or comma adds, Backspace on empty removes ------
  addTag() {
    for (const tag of this.tagDraft.split(",").map((t) => t.trim()).filter(Boolean)) {
      if (!this.form.tags.includes(tag)) this.form.tags.push(tag);
    }
    this.tagDraft = "";
  },
  onTagKey(event) {
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();
      this.addTag();
    } else if (event.key === "Backspace" && !this.tagDraft && this.form.tags.length) {
      this.form.tags.pop();
    }
  },
  removeTag(tag) {
    this.form.tags = this.form.tags.filter((t) => t !== tag);
  },
  removeTagLabel(tag) {
    return `Remove tag ${tag}`;
  },
  // --- allowed SFTP paths ---------------------------------------------------------------
  addPath() {
    const path = this.pathDraft.trim();
    if (!path) return;
    if (!path.startsWith("/")) {
      this.errors = { ...this.errors, sftp_allowed_paths: "Paths are absolute: they start with /." };
      return;
    }
    if (!this.form.sftp_allowed_paths.includes(path)) this.form.sftp_allowed_paths.push(path);
    this.pathDraft = "";
    this.errors = { ...this.errors, sftp_allowed_paths: "" };
  },
  onPathKey(event) {
    if (event.key === "Enter") {
      event.preventDefault();
      this.addPath();
    }
  },
  removePath(path) {
    this.form.sftp_allowed_paths = this.form.sftp_allowed_paths.filter((p) => p !== path);
  },
  removePathLabel(path) {
    return `Remove ${path}`;
  },
  noPaths() {
    return this.form.sftp_allowed_paths.length === 0;
  },
  // --- host key (edit only) -------------------------------------------------------------
  current() {
    return this.editing ? serverById(this.editing.id) : null;
  },
  pinned() {
    const s = this.current();
    return (s && s.host_key && s.host_key.fingerprint) || "";
  },
  pending() {
    const s = this.current();
    return (s && s.host_key && s.host_key.pending_fingerprint) || "";
  },
  pinnedLabel() {
    return this.pinned() || "Not pinned yet: the first connection pins the key it is offered.";
  },
  approve() {
    approveHostKey(this.current(), this.pending());
  },
  clearPin() {
    clearHostKey(this.current());
  },
  // --- saving ---------------------------------------------------------------------------
  error(field) {
    return this.errors[field] || "";
  },
  payload() {
    const f = this.form;
    if (this.tagDraft.trim()) this.addTag();
    const body = Object.fromEntries(PLAIN.map((key) => [key, f[key]]));
    body.port = Number(f.port) || 22;
    body.jump_via = f.jump_via === "" ? null : Number(f.jump_via);
    body.group = f.group.trim();
    body.tags = [...f.tags];
    body.sftp_allowed_paths = [...f.sftp_allowed_paths];
    if (this.original) {
      const before = { ...this.original, port: Number(this.original.port), jump_via: this.original.jump_via === "" ? null : Number(this.original.jump_via) };
      for (const key of Object.keys(body)) if (same(body[key], before[key])) delete body[key];
    }
    if (f.auth_method === "password" && f.password) body.password = f.password;
    if (f.auth_method === "key" && f.private_key.trim()) body.private_key = f.private_key.trim() + "\n";
    if (f.auth_method === "key" && f.key_passphrase) body.key_passphrase = f.key_passphrase;
    return body;
  },
  async submit() {
    this.busy = true;
    this.errors = {};
    this.message = "";
    try {
      const body = this.payload();
      const saved = this.editing
        ? await api.patch(`api/servers/${this.editing.id}`, body)
        : await api.post("api/servers", body);
      await loadServers();
      store().selectedId = saved.id;
      notify(this.editing ? `${saved.name} saved.` : `${saved.name} added.`, "success");
      this.close();
    } catch (error) {
      const fields = (error.details && error.details.errors) || [];
      this.errors = Object.fromEntries(fields.map((item) => [String(item.field).split(".").pop(), item.message]));
      this.message = describeError(error);
    } finally {
      this.busy = false;
    }
  },
}));
