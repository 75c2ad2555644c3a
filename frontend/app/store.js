// The page's shared state, one Alpine store ("gate"). Components read it as $store.gate.*;
// modules change it through the functions here so that the rules live in one place.
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { api, hasSessionCookie } from "./api.js";

const PREFS_KEY = "sshgate.layout";

function loadPrefs() {
  try {
    return JSON.parse(localStorage.getItem(PREFS_KEY)) || {};
  } catch {
    return {};
  }
}

const prefs = loadPrefs();

Alpine.store("gate", {
  config: { version: "", root_path: "", extra: {} },
  failedPlugins: [],
  // loading | login | password | app | error
  screen: "loading",
  notice: "",
  user: null,
  servers: [],
  serversLoaded: false,
  serversError: "",
  selectedId: null,
  collapsed: prefs.collapsed || {},
  tabs: [],
  activeTab: null,
  logOpen: prefs.logOpen ?? !window.matchMedia("(max-width: 760px)").matches,
  sidebarHidden: Boolean(prefs.sidebarHidden),
  drawerOpen: false,
  // Bumped when plugins register or a status provider reports, so that lists re-render.
  pluginsVersion: 0,
  statusVersion: 0,
});

export function store() {
  return Alpine.store("gate");
}

export function savePrefs() {
  const s = store();
  localStorage.setItem(PREFS_KEY, JSON.stringify({ collapsed: s.collapsed, logOpen: s.logOpen, sidebarHidden: s.sidebarHidden }));
}

// In demo mode the server refuses every administrative action, so no admin screen shows.
export function isAdmin() {
  const s = store();
  const demo = (s.config.extra || {}).demo;
  return Boolean(s.user && s.user.role === "admin" && !(demo && demo.enabled));
}

export function serverById(id) {
  return store().servers.find((server) => server.id === id) || null;
}

export async function loadServers() {
  const s = store();
  try {
    const data = await api.get("api/servers");
    s.servers = data.servers;
    s.serversError = "";
    if (s.selectedId !== null && !serverById(s.selectedId)) s.selectedId = null;
  } catch (error) {
    s.serversError = error.message;
  } finally {
    s.serversLoaded = true;
  }
  return s.servers;
}

// Who is signed in, if anyone: null when the session cookie is missing or dead.
export async function loadSession() {
  if (!hasSessionCookie()) return null;
  try {
    const data = await api.get("api/auth/me");
    store().user = data.user;
    return data.user;
  } catch (error) {
    if (error.status === 401) return null;
    if (error.code === "password_change_required") return { must_change_password: true };
    throw error;
  }
}
