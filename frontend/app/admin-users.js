// Administrators' user management: create (a generated password is shown once), role,
// groups, quick-connect permission, disable, reset password, reset 2FA, unlock, sessions.
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { api, describeError } from "./api.js";
import { confirmAction, notify, showSecret } from "./dialogs.js";
import { dateTime, relative } from "./format.js";

function blankCreate() {
  return { username: "", role: "user", groups: [], quickConnect: false, password: "" };
}

// Group chips shared by the create and edit forms: type, Enter (or pick from the list) adds.
function addGroupTo(list, draft) {
  for (const name of draft.split(",").map((g) => g.trim()).filter(Boolean)) {
    if (!list.includes(name)) list.push(name);
  }
}

Alpine.data("usersAdmin", () => ({
  users: [],
  knownGroups: [],
  loading: true,
  error: "",
  selectedId: null,
  create: blankCreate(),
  createDraft: "",
  createError: "",
  creating: false,
  edit: { role: "user", groups: [], quickConnect: false, disabled: false },
  editDraft: "",
  editError: "",
  saving: false,
  sessions: [],
  async init() {
    await this.load();
    try {
      this.knownGroups = (await api.get("api/servers/groups")).groups.map((g) => g.name).filter(Boolean);
    } catch {
      this.knownGroups = [];
    }
  },
  async load() {
    this.loading = true;
    try {
      this.users = (await api.get("api/admin/users")).users;
      this.error = "";
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.loading = false;
    }
  },
  // --- list ------------------------------------------------------------------------------
  groupsLabel(user) {
    if (user.role === "admin") return "all (administrator)";
    return user.allowed_groups.length ? user.allowed_groups.join(", ") : "none";
  },
  statusLabel(user) {
    if (user.disabled) return "disabled";
    if (user.must_change_password) return "must change password";
    return "active";
  },
  statusClass(user) {
    return user.disabled ? "badge badge-danger" : user.must_change_password ? "badge badge-warning" : "badge badge-ok";
  },
  twoFactorLabel(user) {
    return user.totp_enabled ? "on" : "off";
  },
  lastLogin(user) {
    return relative(user.last_login_at);
  },
  isSelected(user) {
    return this.selectedId === user.id;
  },
  selected() {
    return this.users.find((u) => u.id === this.selectedId) || null;
  },
  hasSelection() {
    return this.selected() !== null;
  },
  // Accounts of a sign-in provider (LDAP, OIDC): no password here, and the provider sets
  // their role and groups again at every sign-in.
  isLocal() {
    return this.selected()?.source === "local";
  },
  isExternal() {
    return this.hasSelection() && !this.isLocal();
  },
  externalNote() {
    const source = this.selected()?.source || "";
    return `Signs in through ${source}: role and groups are set again from ${source} at every sign-in; disabling here still keeps the account out.`;
  },
  async select(user) {
    this.selectedId = user.id;
    this.edit = { role: user.role, groups: [...user.allowed_groups], quickConnect: user.permissions.includes("quick_connect"), disabled: user.disabled };
    this.editDraft = this.editError = "";
    await this.loadSessions();
  },
  deselect() {
    this.selectedId = null;
  },
  // --- create ----------------------------------------------------------------------------
  onCreateGroupKey(event) {
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();
      addGroupTo(this.create.groups, this.createDraft);
      this.createDraft = "";
    }
  },
  removeCreateGroup(name) {
    this.create.groups = this.create.groups.filter((g) => g !== name);
  },
  async createUser() {
    this.creating = true;
    this.createError = "";
    addGroupTo(this.create.groups, this.createDraft);
    this.createDraft = "";
    const body = {
      username: this.create.username.trim(),
      role: this.create.role,
      allowed_groups: this.create.groups,
      permissions: this.create.quickConnect ? ["quick_connect"] : [],
    };
    if (this.create.password) body.password = this.create.password;
    try {
      const user = await api.post("api/admin/users", body);
      this.create = blankCreate();
      await this.load();
      notify(`User ${user.username} created.`, "success");
      if (user.generated_password) {
        await showSecret({
          title: `Password for ${user.username}`,
          label: "Generated password",
          value: user.generated_password,
          note: "Shown only now. Hand it over safely; they must change it at first sign-in.",
        });
      }
    } catch (error) {
      this.createError = describeError(error);
    } finally {
      this.creating = false;
    }
  },
  // --- edit ------------------------------------------------------------------------------
  onEditGroupKey(event) {
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();
      addGroupTo(this.edit.groups, this.editDraft);
      this.editDraft = "";
    }
  },
  removeEditGroup(name) {
    this.edit.groups = this.edit.groups.filter((g) => g !== name);
  },
  removeGroupLabel(name) {
    return `Remove group ${name}`;
  },
  async saveEdit() {
    const user = this.selected();
    this.saving = true;
    this.editError = "";
    addGroupTo(this.edit.groups, this.editDraft);
    this.editDraft = "";
    try {
      await api.patch(`api/admin/users/${user.id}`, {
        role: this.edit.role,
        allowed_groups: this.edit.groups,
        permissions: this.edit.quickConnect ? ["quick_connect"] : [],
        disabled: this.edit.disabled,
      });
      await this.load();
      notify(`${user.username} saved.`, "success");
    } catch (error) {
      this.editError = describeError(error);
    } finally {
      this.saving = false;
    }
  },
  async act(confirmText, request, done) {
    if (confirmText && !(await confirmAction(confirmText))) return null;
    try {
      const answer = await request();
      await this.load();
      if (done) notify(done, "success");
      return answer;
    } catch (error) {
      notify(describeError(error), "error");
      return null;
    }
  },
  async resetPassword() {
    const user = this.selected();
    const answer = await this.act(
      { title: `Reset the password of ${user.username}?`, message: "A new password is generated; they are signed out everywhere and must change it at next sign-in.", confirmLabel: "Reset password", danger: true },
      () => api.post(`api/admin/users/${user.id}/password`, {}),
    );
    if (answer && answer.generated_password) {
      await showSecret({ title: `New password for ${user.username}`, label: "Generated password", value: answer.generated_password, note: "Shown only now." });
      await this.loadSessions();
    }
  },
  async resetTwoFactor() {
    const user = this.selected();
    await this.act(
      { title: `Turn off 2FA for ${user.username}?`, message: "Use this when they lost their authenticator. They can enrol again from their account page.", confirmLabel: "Reset 2FA", danger: true },
      () => api.post(`api/admin/users/${user.id}/2fa/reset`),
      `Two-factor authentication of ${user.username} reset.`,
    );
  },
  async unlock() {
    const user = this.selected();
    await this.act(null, () => api.post(`api/admin/users/${user.id}/unlock`), `${user.username} unlocked: failed sign-in counters cleared.`);
  },
  async deleteUser() {
    const user = this.selected();
    const answer = await this.act(
      { title: `Delete ${user.username}?`, message: "Their sessions end at once. The audit log keeps their history.", confirmLabel: "Delete user", danger: true },
      () => api.del(`api/admin/users/${user.id}`),
      `${user.username} deleted.`,
    );
    if (answer) this.selectedId = null;
  },
  // --- sessions --------------------------------------------------------------------------
  async loadSessions() {
    const user = this.selected();
    if (!user) return;
    try {
      this.sessions = (await api.get(`api/admin/users/${user.id}/sessions`)).sessions;
    } catch (error) {
      this.sessions = [];
      notify(describeError(error), "error");
    }
  },
  hasSessions() {
    return this.sessions.length > 0;
  },
  sessionLabel(session) {
    return `${session.kind} · ${session.source_ip || "unknown address"}`;
  },
  sessionTimes(session) {
    return `since ${dateTime(session.created_at)}, seen ${relative(session.last_seen_at)}`;
  },
  async revokeSession(session) {
    const user = this.selected();
    await this.act(null, () => api.del(`api/admin/users/${user.id}/sessions/${session.id}`), "Session ended.");
    await this.loadSessions();
  },
  async revokeAll() {
    const user = this.selected();
    await this.act(
      { title: `Sign ${user.username} out everywhere?`, confirmLabel: "End all sessions", danger: true },
      () => api.del(`api/admin/users/${user.id}/sessions`),
      `${user.username} signed out everywhere.`,
    );
    await this.loadSessions();
  },
}));
