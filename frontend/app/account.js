// Every user's own account: password, two-factor enrolment (QR image and secret text,
// confirm with a code, disable with a code), API keys (shown once) and sessions.
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { api, describeError } from "./api.js";
import { confirmAction, notify, showSecret } from "./dialogs.js";
import { dateTime, relative } from "./format.js";
import { refreshUser } from "./session.js";

Alpine.data("account", () => ({
  // password
  pw: { current: "", next: "", confirm: "" },
  pwError: "",
  pwBusy: false,
  // two-factor
  enrolment: null, // { secret, otpauth_uri, qr_png } while enrolling
  code: "",
  tfaError: "",
  tfaBusy: false,
  // API keys
  keys: [],
  keyForm: { name: "", readOnly: false, days: "" },
  keyError: "",
  keyBusy: false,
  // sessions
  sessions: [],
  init() {
    this.loadKeys();
    this.loadSessions();
  },
  user() {
    return this.$store.gate.user || {};
  },
  roleLabel() {
    return this.user().role === "admin" ? "Administrator (sees every server)" : `User · groups: ${(this.user().allowed_groups || []).join(", ") || "none"}`;
  },
  async changePassword() {
    this.pwError = "";
    if (this.pw.next !== this.pw.confirm) {
      this.pwError = "The two new passwords differ.";
      return;
    }
    this.pwBusy = true;
    try {
      const answer = await api.post("api/auth/password", { current_password: this.pw.current, new_password: this.pw.next });
      this.pw = { current: "", next: "", confirm: "" };
      const ended = answer.other_sessions_ended;
      notify(`Password changed${ended ? `; ${ended} other session(s) signed out` : ""}.`, "success");
      await this.loadSessions();
    } catch (error) {
      this.pwError = describeError(error);
    } finally {
      this.pwBusy = false;
    }
  },
  // --- two-factor ------------------------------------------------------------------------
  tfaOn() {
    return Boolean(this.user().totp_enabled);
  },
  tfaOff() {
    return !this.tfaOn() && !this.enrolment;
  },
  enrolling() {
    return Boolean(this.enrolment) && !this.tfaOn();
  },
  async startEnrolment() {
    this.tfaError = "";
    this.tfaBusy = true;
    try {
      this.enrolment = await api.post("api/auth/2fa/enroll");
      this.code = "";
      this.$nextTick(() => this.$refs.enrolCode?.focus());
    } catch (error) {
      this.tfaError = describeError(error);
    } finally {
      this.tfaBusy = false;
    }
  },
  qrSrc() {
    // A data: URI made by the server; the CSP allows data: images and nothing remote.
    return this.enrolment ? this.enrolment.qr_png : "";
  },
  secretGroups() {
    // Groups of four are easier to type into an authenticator by hand.
    return this.enrolment ? this.enrolment.secret.replace(/(.{4})/g, "$1 ").trim() : "";
  },
  async confirmEnrolment() {
    await this.sendCode("api/auth/2fa/confirm", "Two-factor authentication is on.");
    if (this.tfaOn()) this.enrolment = null;
  },
  cancelEnrolment() {
    this.enrolment = null;
    this.code = this.tfaError = "";
  },
  async disableTwoFactor() {
    await this.sendCode("api/auth/2fa/disable", "Two-factor authentication is off.");
  },
  async sendCode(path, done) {
    this.tfaError = "";
    this.tfaBusy = true;
    try {
      await api.post(path, { code: this.code.replace(/\s+/g, "") });
      this.code = "";
      await refreshUser();
      notify(done, "success");
    } catch (error) {
      this.tfaError = describeError(error);
    } finally {
      this.tfaBusy = false;
    }
  },
  // --- API keys --------------------------------------------------------------------------
  async loadKeys() {
    try {
      this.keys = (await api.get("api/auth/api-keys")).api_keys;
    } catch (error) {
      this.keyError = describeError(error);
    }
  },
  hasKeys() {
    return this.keys.length > 0;
  },
  keyScope(key) {
    return key.read_only ? "read-only" : "full access";
  },
  keyExpiry(key) {
    return key.expires_at ? `expires ${dateTime(key.expires_at)}` : "never expires";
  },
  keyUsed(key) {
    return key.last_used_at ? `used ${relative(key.last_used_at)}` : "never used";
  },
  keyPrefix(key) {
    return `${key.prefix}…`;
  },
  async createKey() {
    this.keyError = "";
    this.keyBusy = true;
    const body = { name: this.keyForm.name.trim(), read_only: this.keyForm.readOnly };
    if (this.keyForm.days) body.expires_in_days = Number(this.keyForm.days);
    try {
      const key = await api.post("api/auth/api-keys", body);
      this.keyForm = { name: "", readOnly: false, days: "" };
      await this.loadKeys();
      await showSecret({
        title: `API key "${key.name}"`,
        label: "API key",
        value: key.key,
        note: "Shown only now; sshgate stores a hash. Send it as Authorization: Bearer <key>.",
      });
    } catch (error) {
      this.keyError = describeError(error);
    } finally {
      this.keyBusy = false;
    }
  },
  async revokeKey(key) {
    const ok = await confirmAction({ title: `Revoke the API key "${key.name}"?`, message: "Scripts using it stop working at once.", confirmLabel: "Revoke key", danger: true });
    if (!ok) return;
    try {
      await api.del(`api/auth/api-keys/${key.id}`);
      notify(`API key "${key.name}" revoked.`, "success");
      await this.loadKeys();
    } catch (error) {
      notify(describeError(error), "error");
    }
  },
  // --- sessions --------------------------------------------------------------------------
  async loadSessions() {
    try {
      this.sessions = (await api.get("api/auth/sessions")).sessions;
    } catch (error) {
      notify(describeError(error), "error");
    }
  },
  sessionLabel(session) {
    return `${session.kind} · ${session.source_ip || "unknown address"}${session.current ? " · this browser" : ""}`;
  },
  sessionAgent(session) {
    return session.user_agent || "unknown client";
  },
  sessionTimes(session) {
    return `since ${dateTime(session.created_at)}, seen ${relative(session.last_seen_at)}`;
  },
  isOther(session) {
    return !session.current;
  },
  async revokeSession(session) {
    try {
      await api.del(`api/auth/sessions/${session.id}`);
      notify("Session ended.", "success");
      await this.loadSessions();
    } catch (error) {
      notify(describeError(error), "error");
    }
  },
}));
