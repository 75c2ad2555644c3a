// The front-end plugin manager (UI-4). A plugin module, loaded from api/config's manifest,
// calls registerPlugin(name, {...}) with any of the slots below; the core registers its own
// screens and server actions through the same call (core.js). See docs/frontend-plugins.md.

const SLOTS = ["panels", "serverActions", "menuItems", "paletteCommands", "statusProviders", "terminalBadges"];
const HOOKS = ["setup"];
const registry = new Map();
const listeners = new Set();

function check(name, slot, item, required) {
  for (const [key, type] of Object.entries(required)) {
    if (typeof item[key] !== type) {
      throw new TypeError(`plugin ${name}: ${slot} entries need ${key} (${type})`);
    }
  }
}

// Each slot's entries are checked at registration, so that a broken plugin fails loudly once
// instead of throwing every time the page renders a menu.
const CHECKS = {
  panels: { id: "string", title: "string", mount: "function" },
  serverActions: { id: "string", label: "string", run: "function" },
  menuItems: { id: "string", label: "string", run: "function" },
  paletteCommands: { id: "string", label: "string", run: "function" },
  statusProviders: { id: "string", status: "function" },
  terminalBadges: { id: "string", label: "string" },
};

export function registerPlugin(name, spec = {}) {
  if (typeof name !== "string" || !name) throw new TypeError("registerPlugin(name, spec): name is required");
  if (registry.has(name)) throw new Error(`plugin ${name} registered twice`);
  const unknown = Object.keys(spec).filter((key) => !SLOTS.includes(key) && !HOOKS.includes(key));
  if (unknown.length) console.warn(`plugin ${name}: unknown slots ignored: ${unknown.join(", ")}`);
  for (const slot of SLOTS) {
    if (spec[slot] === undefined) continue;
    if (!Array.isArray(spec[slot])) throw new TypeError(`plugin ${name}: ${slot} must be an array`);
    for (const item of spec[slot]) check(name, slot, item, CHECKS[slot]);
  }
  registry.set(name, Object.freeze({ name, ...spec }));
  for (const listener of listeners) listener(name);
}

export function plugins() {
  return [...registry.values()];
}

// Every entry of one slot across plugins, in registration order, tagged with its plugin.
export function contributions(slot) {
  return plugins().flatMap((plugin) => (plugin[slot] || []).map((item) => ({ ...item, plugin: plugin.name })));
}

// Panel ids are global; the first plugin to claim an id keeps it.
export function findPanel(id) {
  return contributions("panels").find((panel) => panel.id === id) || null;
}

export function onRegister(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// Load the manifest from api/config; one plugin's failure never stops the others.
export async function loadPlugins(manifest) {
  for (const { url } of manifest.css || []) {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = typeof url === "string" ? url : url.url;
    document.head.append(link);
  }
  const failed = [];
  await Promise.all(
    (manifest.js || []).map(async ({ plugin, url }) => {
      try {
        await import(new URL(typeof url === "string" ? url : url.url, document.baseURI).href);
      } catch (error) {
        console.warn(`plugin ${plugin} failed to load`, error);
        failed.push(plugin);
      }
    }),
  );
  return failed;
}

window.sshgate = Object.freeze({ registerPlugin, plugins });
