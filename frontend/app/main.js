// Boot: read the public config, then load every enabled plugin's modules and styles.
// URLs stay relative so that the app works under a sub-path (SSHGATE_ROOT_PATH).
import { loadPlugins } from "./plugins.js";

const status = document.getElementById("boot-status");

async function boot() {
  const response = await fetch("api/config", { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`api/config answered ${response.status}`);
  const config = await response.json();
  const failed = await loadPlugins(config.ui);
  status.textContent = `sshgate ${config.version}` + (failed.length ? ` (plugins failed: ${failed.join(", ")})` : "");
}

boot().catch((error) => {
  status.textContent = `Could not start: ${error.message}`;
});
