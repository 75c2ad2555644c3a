// Boot: insert the views, read the public config, load every enabled plugin's modules and
// styles, start Alpine, then resume the session (or show the login screen).
// URLs stay relative so that the app works under a sub-path (SSHGATE_ROOT_PATH).
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { loadViews } from "./views.js";
import { loadPlugins, onRegister } from "./plugins.js";
import { store } from "./store.js";
import { notify } from "./dialogs.js";
import "./theme.js";
import "./shell.js";
import "./demo.js";
import "./auth.js";
import "./sites.js";
import "./server-form.js";
import "./tabs.js";
import "./activity.js";
import "./palette.js";
import "./transfer.js";
import "./core.js";
import "./snippets.js";
import "./terminal/panel.js";
import { installShortcuts } from "./keys.js";
import { resume } from "./session.js";

async function readConfig() {
  const response = await fetch("api/config", { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`api/config answered ${response.status}`);
  return response.json();
}

async function boot() {
  const [config] = await Promise.all([readConfig(), loadViews()]);
  const s = store();
  s.config = config;
  // Demo mode: the banner takes a line above the workspace (components.css).
  if (config.extra && config.extra.demo && config.extra.demo.enabled) document.documentElement.dataset.demo = "true";
  onRegister(() => {
    s.pluginsVersion += 1;
  });
  s.failedPlugins = await loadPlugins(config.ui);
  Alpine.start();
  installShortcuts();
  if (s.failedPlugins.length) notify(`Some plugins failed to load: ${s.failedPlugins.join(", ")}.`, "error");
  await resume();
  document.documentElement.dataset.ready = "true";
}

boot().catch((error) => {
  const status = document.getElementById("boot-status");
  if (status) status.textContent = `sshgate could not start: ${error.message}`;
  document.getElementById("boot")?.classList.add("failed");
});
