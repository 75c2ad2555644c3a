// Copies the pinned third-party front-end files from frontend/node_modules (after `npm ci`)
// into frontend/vendor/ (git-ignored; the app serves it at static/vendor/) and bundles
// CodeMirror with esbuild. Normally run through scripts/vendor.sh.
//
//   node frontend/tools/vendor.mjs           rebuild frontend/vendor/
//   node frontend/tools/vendor.mjs --stamp   print the stamp of the current inputs
//   node frontend/tools/vendor.mjs --check   exit 0 when frontend/vendor/ matches the stamp
//
// The stamp is computed here only (scripts/vendor.sh asks for it) so it has one definition.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const FRONTEND = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const NODE_MODULES = path.join(FRONTEND, "node_modules");
const VENDOR = path.join(FRONTEND, "vendor");
const MANIFEST = path.join(VENDOR, "manifest.json");
const STAMP_INPUTS = ["package-lock.json", "tools/vendor.mjs", "src/codemirror.mjs"];

// [package, file inside the package, destination under vendor/]
const FILES = [
  // xterm: the ESM builds (our pages are ES modules; they import nothing themselves), renamed
  // .mjs -> .js so any static server sends a JavaScript MIME type (module scripts need one).
  ["@xterm/xterm", "lib/xterm.mjs", "xterm/xterm.js"],
  ["@xterm/xterm", "css/xterm.css", "xterm/xterm.css"],
  ["@xterm/addon-fit", "lib/addon-fit.mjs", "xterm/addon-fit.js"],
  ["@xterm/addon-web-links", "lib/addon-web-links.mjs", "xterm/addon-web-links.js"],
  ["@xterm/addon-search", "lib/addon-search.mjs", "xterm/addon-search.js"],
  ["@xterm/addon-unicode11", "lib/addon-unicode11.mjs", "xterm/addon-unicode11.js"],
  // Alpine: only the CSP build (the plain one needs 'unsafe-eval'). cdn build = classic script
  // that starts itself; the ESM build is for `import Alpine from ...; Alpine.start()`.
  ["@alpinejs/csp", "dist/cdn.min.js", "alpine/alpine.min.js"],
  ["@alpinejs/csp", "dist/module.esm.min.js", "alpine/alpine.esm.min.js"],
  ["asciinema-player", "dist/bundle/asciinema-player.min.js", "asciinema-player/asciinema-player.min.js"],
  ["asciinema-player", "dist/bundle/asciinema-player.css", "asciinema-player/asciinema-player.css"],
  ["swagger-ui-dist", "swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js"],
  ["swagger-ui-dist", "swagger-ui.css", "swagger-ui/swagger-ui.css"],
  // The bundle's header comment points to this file; NOTICE must travel with Apache-2.0 code.
  ["swagger-ui-dist", "swagger-ui-bundle.js.LICENSE.txt", "swagger-ui/swagger-ui-bundle.js.LICENSE.txt"],
  ["swagger-ui-dist", "NOTICE", "swagger-ui/NOTICE"],
];

// Packages whose code ends up in each vendor/ folder, bundled dependencies included; their
// licence texts are concatenated into <folder>/LICENSE.txt. CodeMirror's list comes from
// esbuild's metafile instead.
const LICENSES = {
  xterm: ["@xterm/xterm", "@xterm/addon-fit", "@xterm/addon-web-links", "@xterm/addon-search",
    "@xterm/addon-unicode11"],
  alpine: ["@alpinejs/csp", "@vue/reactivity", "@vue/shared"],
  "asciinema-player": ["asciinema-player", "solid-js"],
  "swagger-ui": ["swagger-ui-dist"],
};

// The Alpine npm packages ship no licence file; this is the copyright line of LICENSE.md in
// github.com/alpinejs/alpine, used with the standard MIT text below.
const MISSING_LICENSE_FILE = { "@alpinejs/csp": "Copyright © 2019-2021 Caleb Porzio and contributors" };
const MIT = `Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;

export function stamp() {
  const hash = createHash("sha256");
  for (const rel of STAMP_INPUTS) {
    hash.update(`${rel}\0`).update(fs.readFileSync(path.join(FRONTEND, rel))).update("\0");
  }
  return hash.digest("hex");
}

function upToDate() {
  try {
    const manifest = JSON.parse(fs.readFileSync(MANIFEST, "utf8"));
    return manifest.stamp === stamp()
      && manifest.files.every((f) => fs.existsSync(path.join(VENDOR, f)));
  } catch {
    return false;
  }
}

const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"));

function licenseText(pkgDir) {
  const meta = readJson(path.join(pkgDir, "package.json"));
  const files = fs.readdirSync(pkgDir).filter((f) => /^(licen[cs]e|copying)(\.\w+)?$/i.test(f));
  let text;
  if (files.length) text = files.map((f) => fs.readFileSync(path.join(pkgDir, f), "utf8")).join("\n");
  else if (MISSING_LICENSE_FILE[meta.name] && meta.license === "MIT") {
    text = `MIT License\n\n${MISSING_LICENSE_FILE[meta.name]}\n\n${MIT}`;
  } else throw new Error(`${meta.name}: no licence file found; extend MISSING_LICENSE_FILE`);
  return `==== ${meta.name}@${meta.version} (${meta.license}) ====\n\n${text.trim()}\n`;
}

function writeLicenses(dir, pkgDirs) {
  const texts = [...new Set(pkgDirs)].sort().map(licenseText);
  fs.writeFileSync(path.join(VENDOR, dir, "LICENSE.txt"), texts.join("\n"));
}

// We do not ship source maps, so drop the trailing reference to them (avoids 404s).
const stripSourceMap = (text) =>
  text.replace(/\n?(\/\/# sourceMappingURL=\S+|\/\*# sourceMappingURL=[^*]*\*\/)\s*$/, "\n");

async function bundleCodeMirror() {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    absWorkingDir: FRONTEND,
    entryPoints: { "codemirror.bundle": "src/codemirror.mjs" },
    outdir: "vendor/codemirror",
    bundle: true,
    format: "esm",
    minify: true,
    // @codemirror/language-data loads each language with import(); splitting turns those into
    // chunks/*.js fetched on demand through relative URLs, and keeps shared code (one copy of
    // @codemirror/state) in common chunks.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    target: "es2020",
    metafile: true,
    logLevel: "warning",
  });
  // Package directories of every bundled input, for the licence file.
  return Object.keys(result.metafile.inputs)
    .map((input) => input.match(/^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//)?.[1])
    .filter(Boolean)
    .map((dir) => path.join(FRONTEND, dir));
}

function listFiles(dir, prefix = "") {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]);
}

async function build() {
  // Refuse a node_modules that does not match package.json (stale install).
  const pins = readJson(path.join(FRONTEND, "package.json")).dependencies;
  const packages = {};
  for (const [name, pinned] of Object.entries(pins)) {
    const metaFile = path.join(NODE_MODULES, name, "package.json");
    const version = fs.existsSync(metaFile) ? readJson(metaFile).version : "missing";
    if (version !== pinned) {
      throw new Error(`${name}: node_modules has ${version}, package.json pins ${pinned}; run npm ci`);
    }
    packages[name] = version;
  }

  fs.rmSync(VENDOR, { recursive: true, force: true });
  for (const [pkg, src, dest] of FILES) {
    const target = path.join(VENDOR, dest);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const data = fs.readFileSync(path.join(NODE_MODULES, pkg, src));
    fs.writeFileSync(target, /\.(js|css)$/.test(dest) ? stripSourceMap(data.toString("utf8")) : data);
  }
  for (const [dir, pkgs] of Object.entries(LICENSES)) {
    writeLicenses(dir, pkgs.map((p) => path.join(NODE_MODULES, p)));
  }
  writeLicenses("codemirror", await bundleCodeMirror());

  // Written last: an interrupted run leaves no manifest, so --check fails and we rebuild.
  const manifest = { stamp: stamp(), packages, files: listFiles(VENDOR).sort() };
  fs.writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`frontend/vendor: ${manifest.files.length} files written`);
}

const arg = process.argv[2];
if (arg === "--stamp") console.log(stamp());
else if (arg === "--check") process.exit(upToDate() ? 0 : 1);
else if (arg === undefined) await build();
else {
  console.error("usage: vendor.mjs [--stamp | --check]");
  process.exit(2);
}
