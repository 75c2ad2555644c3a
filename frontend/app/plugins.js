// The front-end plugin manager: plugins call registerPlugin(name, {...}) from their module.
const registry = new Map();

export function registerPlugin(name, spec) {
  if (registry.has(name)) throw new Error(`plugin ${name} registered twice`);
  registry.set(name, Object.freeze({ name, ...spec }));
}

export function plugins() {
  return [...registry.values()];
}

// Load the manifest from api/config; one plugin's failure never stops the others.
export async function loadPlugins(manifest) {
  for (const { url } of manifest.css) {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = url;
    document.head.append(link);
  }
  const failed = [];
  await Promise.all(
    manifest.js.map(async ({ plugin, url }) => {
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
