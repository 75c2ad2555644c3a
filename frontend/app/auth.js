// The sign-in screens: password, then the TOTP code when 2FA is on, and the forced password
// change of a first login (or after an administrator's reset).
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { api, describeError } from "./api.js";
import { sessionLost, signedIn } from "./session.js";

const MIN_PASSWORD = 10;

Alpine.data("loginForm", () => ({
  username: "",
  password: "",
  code: "",
  preAuth: "",
  error: "",
  busy: false,
  init() {
    this.$nextTick(() => this.$refs.username?.focus());
  },
  isPasswordStep() {
    return !this.preAuth;
  },
  isCodeStep() {
    return Boolean(this.preAuth);
  },
  notice() {
    return this.$store.gate.notice;
  },
  // "Sign in with ..." buttons: redirect-style providers (OIDC) from GET api/config.
  redirectMethods() {
    const methods = this.$store.gate.config.extra?.auth?.methods || [];
    return methods.filter((method) => method.kind === "redirect" && method.url);
  },
  // Password providers (LDAP) beside local accounts: the same form, named under the title.
  passwordProviders() {
    const methods = this.$store.gate.config.extra?.auth?.methods || [];
    return methods.filter((method) => method.kind === "password" && method.id !== "local").map((method) => method.label).join(" or ");
  },
  hasPasswordProviders() {
    return this.isPasswordStep() && this.passwordProviders() !== "";
  },
  hasRedirectMethods() {
    return this.isPasswordStep() && this.redirectMethods().length > 0;
  },
  async submitPassword() {
    this.busy = true;
    this.error = "";
    try {
      const answer = await api.post("api/auth/login", { username: this.username, password: this.password });
      this.password = "";
      if (answer.two_factor_required) {
        this.preAuth = answer.pre_auth_token;
        this.$nextTick(() => this.$refs.code.focus());
        return;
      }
      await signedIn(answer.user);
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.busy = false;
    }
  },
  async submitCode() {
    this.busy = true;
    this.error = "";
    try {
      const answer = await api.post("api/auth/login/2fa", { pre_auth_token: this.preAuth, code: this.code.replace(/\s+/g, "") });
      this.preAuth = this.code = "";
      await signedIn(answer.user);
    } catch (error) {
      this.error = describeError(error);
      this.code = "";
      // An expired pre-auth token cannot be retried: start over from the password.
      if (error.code === "invalid_token") this.preAuth = "";
    } finally {
      this.busy = false;
    }
  },
  back() {
    this.preAuth = this.code = this.error = "";
    this.$nextTick(() => this.$refs.password.focus());
  },
}));

Alpine.data("passwordForm", () => ({
  current: "",
  next: "",
  confirm: "",
  error: "",
  busy: false,
  init() {
    this.$nextTick(() => this.$refs.current?.focus());
  },
  username() {
    const user = this.$store.gate.user;
    return user && user.username ? user.username : "";
  },
  hint() {
    return `At least ${MIN_PASSWORD} characters; not your username, not a common password.`;
  },
  async submit() {
    this.error = "";
    if (this.next.length < MIN_PASSWORD) {
      this.error = `The new password needs at least ${MIN_PASSWORD} characters.`;
      return;
    }
    if (this.next !== this.confirm) {
      this.error = "The two new passwords differ.";
      return;
    }
    this.busy = true;
    try {
      const answer = await api.post("api/auth/password", { current_password: this.current, new_password: this.next });
      this.current = this.next = this.confirm = "";
      await signedIn(answer.user);
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.busy = false;
    }
  },
  async cancel() {
    try {
      await api.post("api/auth/logout");
    } catch {
      // The session may be gone already; either way the login screen comes next.
    }
    sessionLost("");
  },
}));
