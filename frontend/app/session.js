// The signed-in lifecycle: resume at boot, enter the workspace, lose the session (logout,
// revocation, expiry) and go back to the login screen with a word about why.
import { api, onAuthProblem } from "./api.js";
import { startActivity, stopActivity } from "./activity.js";
import { makeContext } from "./context.js";
import { plugins } from "./plugins.js";
import { loadServers, loadSession, store } from "./store.js";
import { closeAllTabs } from "./tabs.js";

const setupDone = new Set();

// Each plugin's setup(ctx) runs once per page, after the first sign-in: status providers and
// the like need an authenticated API.
function runSetupHooks() {
  for (const plugin of plugins()) {
    if (typeof plugin.setup !== "function" || setupDone.has(plugin.name)) continue;
    setupDone.add(plugin.name);
    Promise.resolve()
      .then(() => plugin.setup(makeContext()))
      .catch((error) => console.warn(`plugin ${plugin.name}: setup failed`, error));
  }
}

export async function signedIn(user) {
  const s = store();
  s.user = user;
  s.notice = "";
  if (user.must_change_password) {
    s.screen = "password";
    return;
  }
  s.screen = "app";
  startActivity(() => sessionLost("Your session ended. Sign in again."), { history: user.role === "admin" });
  await loadServers();
  runSetupHooks();
}

export function sessionLost(message) {
  const s = store();
  stopActivity();
  closeAllTabs();
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  Object.assign(s, { user: null, servers: [], serversLoaded: false, selectedId: null, drawerOpen: false });
  s.notice = message || "";
  s.screen = "login";
}

export async function signOut() {
  try {
    await api.post("api/auth/logout");
  } catch {
    // Already signed out elsewhere: the outcome is the same.
  }
  sessionLost("You are signed out.");
}

export async function resume() {
  onAuthProblem("unauthorized", () => {
    // At boot a stale cookie is not news; only a session lost while in use deserves a word.
    if (store().screen === "app" || store().screen === "password") sessionLost("Your session ended. Sign in again.");
  });
  onAuthProblem("passwordChange", () => {
    store().screen = "password";
  });
  const user = await loadSession();
  if (!user) {
    store().screen = "login";
    return;
  }
  await signedIn(user);
}

// After a voluntary password change the other sessions end; this one carries on.
export async function refreshUser() {
  const user = await loadSession();
  if (user) store().user = user;
  return user;
}
