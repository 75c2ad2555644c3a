// The centre tab strip. Each tab hosts one panel (a plugin's, or a core screen registered the
// same way). Panels own their DOM: the tab body is a plain element the panel mounts into, kept
// out of Alpine's reactivity so that a terminal's thousands of nodes are never proxied.
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { makeContext } from "./context.js";
import { notify } from "./dialogs.js";
import { findPanel } from "./plugins.js";
import { SHORTCUTS } from "./keys.js";
import { store } from "./store.js";

const mounted = new Map(); // tab uid -> { el, handle }
let nextUid = 1;
let host = null;

// Plugins that the core knows by name but does not ship yet: a clear word instead of silence.
const MISSING = {
  terminal: "No terminal panel is installed: the terminal plugin provides SSH tabs.",
  files: "No file browser panel is installed: the SFTP plugin provides file tabs.",
};

function tabHost() {
  host = host || document.getElementById("tab-host");
  return host;
}

function tabTitle(panel, server, props) {
  if (typeof panel.tabTitle === "function") return String(panel.tabTitle(server, props));
  return server ? `${panel.title}: ${server.name}` : panel.title;
}

function tabHandle(uid) {
  return {
    id: uid,
    setTitle(title) {
      const tab = store().tabs.find((t) => t.uid === uid);
      if (tab) tab.title = String(title);
    },
    close: () => closeTab(uid),
    activate: () => activateTab(uid),
    isActive: () => store().activeTab === uid,
  };
}

function renderFailure(el, panel, error) {
  const box = document.createElement("div");
  box.className = "panel-error";
  const title = document.createElement("strong");
  title.textContent = `${panel.title} could not open`;
  const text = document.createElement("p");
  text.textContent = error && error.message ? error.message : String(error);
  box.append(title, text);
  el.replaceChildren(box);
}

// options: server, props, title, key. Panels with single: true (and any call with a key)
// focus their existing tab instead of opening a second one.
export async function openPanel(panelId, options = {}) {
  const panel = findPanel(panelId);
  if (!panel) {
    notify(MISSING[panelId] || `No panel "${panelId}" is installed.`, "info");
    return null;
  }
  if (typeof panel.when === "function" && !panel.when(makeContext())) {
    notify(`${panel.title} is not available to your account.`, "error");
    return null;
  }
  const s = store();
  const server = options.server || null;
  const key = options.key || (panel.single ? panelId : null);
  const existing = key && s.tabs.find((tab) => tab.key === key);
  if (existing) {
    activateTab(existing.uid);
    return existing.uid;
  }
  const uid = `tab-${nextUid++}`;
  const props = options.props || {};
  s.tabs.push({ uid, key, panelId, title: options.title || tabTitle(panel, server, props), serverId: server ? server.id : null });
  const el = document.createElement("section");
  el.id = `${uid}-panel`;
  el.className = "tab-panel";
  el.setAttribute("role", "tabpanel");
  el.setAttribute("aria-labelledby", `${uid}-tab`);
  el.dataset.panel = panelId;
  // Alpine keeps out of a panel's DOM unless the panel asks for it (alpine: true): a
  // terminal rewrites thousands of nodes, and none of them are Alpine's business.
  if (!panel.alpine) el.setAttribute("x-ignore", "");
  tabHost().append(el);
  const record = { el, handle: {} };
  mounted.set(uid, record);
  activateTab(uid);
  s.drawerOpen = false;
  try {
    record.handle = (await panel.mount(el, makeContext({ server, props, tab: tabHandle(uid) }))) || {};
  } catch (error) {
    console.warn(`panel ${panelId} failed to mount`, error);
    renderFailure(el, panel, error);
  }
  return uid;
}

export function activateTab(uid) {
  const s = store();
  if (!mounted.has(uid)) return;
  const previous = s.activeTab;
  s.activeTab = uid;
  for (const [id, record] of mounted) record.el.hidden = id !== uid;
  if (previous && previous !== uid) mounted.get(previous)?.handle.deactivated?.();
  mounted.get(uid).handle.activated?.();
}

export function closeTab(uid) {
  const s = store();
  const record = mounted.get(uid);
  if (!record) return;
  try {
    record.handle.unmount?.();
  } catch (error) {
    console.warn("panel unmount failed", error);
  }
  record.el.remove();
  mounted.delete(uid);
  const index = s.tabs.findIndex((tab) => tab.uid === uid);
  s.tabs.splice(index, 1);
  if (s.activeTab === uid) {
    s.activeTab = null;
    const next = s.tabs[Math.min(index, s.tabs.length - 1)];
    if (next) activateTab(next.uid);
  }
}

export function closeAllTabs() {
  for (const tab of [...store().tabs]) closeTab(tab.uid);
}

export function activateByOffset(offset) {
  const s = store();
  if (!s.tabs.length) return;
  const index = s.tabs.findIndex((tab) => tab.uid === s.activeTab);
  const next = s.tabs[(index + offset + s.tabs.length) % s.tabs.length];
  activateTab(next.uid);
}

// A core screen as a panel: clone a <template> from views/panels.html and let Alpine run it.
// Panels using it must say alpine: true.
export function templatePanel(templateId) {
  return (el) => {
    const template = document.getElementById(templateId);
    el.append(template.content.cloneNode(true));
    Alpine.initTree(el);
    return {
      unmount() {
        Alpine.destroyTree(el);
      },
    };
  };
}

Alpine.data("tabStrip", () => ({
  tabs() {
    return this.$store.gate.tabs;
  },
  hasTabs() {
    return this.$store.gate.tabs.length > 0;
  },
  noTabs() {
    return !this.hasTabs();
  },
  tabId(tab) {
    return `${tab.uid}-tab`;
  },
  panelId(tab) {
    return `${tab.uid}-panel`;
  },
  shortcuts() {
    return SHORTCUTS;
  },
  isActive(tab) {
    return this.$store.gate.activeTab === tab.uid;
  },
  tabIndex(tab) {
    return this.isActive(tab) ? 0 : -1;
  },
  select(tab) {
    activateTab(tab.uid);
  },
  close(tab) {
    closeTab(tab.uid);
  },
  closeLabel(tab) {
    return `Close ${tab.title}`;
  },
  onAuxClick(tab, event) {
    if (event.button === 1) closeTab(tab.uid);
  },
  // The ARIA tabs pattern: arrows move between tabs, Delete closes one.
  onKeydown(tab, event) {
    const moves = { ArrowRight: 1, ArrowLeft: -1 };
    if (event.key in moves) {
      activateByOffset(moves[event.key]);
    } else if (event.key === "Home" || event.key === "End") {
      const list = this.$store.gate.tabs;
      activateTab((event.key === "Home" ? list[0] : list[list.length - 1]).uid);
    } else if (event.key === "Delete") {
      closeTab(tab.uid);
    } else {
      return;
    }
    event.preventDefault();
    this.$nextTick(() => this.$refs.strip.querySelector('[role="tab"][aria-selected="true"]')?.focus());
  },
  openSiteManager() {
    this.$store.gate.drawerOpen = true;
  },
  terminalInstalled() {
    void this.$store.gate.pluginsVersion;
    return findPanel("terminal") !== null;
  },
  terminalMissing() {
    return !this.terminalInstalled();
  },
}));
