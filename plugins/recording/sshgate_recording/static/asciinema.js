// The asciinema player, served by the gateway itself from the vendored npm package
// (frontend/tools/vendor.mjs pins it; no CDN). Its bundle is a classic script that defines the
// global AsciinemaPlayer, not an ES module, so it is added once as a <script src> (allowed by
// the page's script-src 'self'), together with its stylesheet, the first time a player opens.
// Its terminal emulator is WebAssembly: the CSP must allow 'wasm-unsafe-eval'.
const BASE = new URL("../../vendor/asciinema-player/", import.meta.url);
let loading = null;

function addStylesheet() {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = new URL("asciinema-player.css", BASE).href;
  document.head.append(link);
}

export function loadAsciinema() {
  if (window.AsciinemaPlayer) return Promise.resolve(window.AsciinemaPlayer);
  if (!loading) {
    addStylesheet();
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL("asciinema-player.min.js", BASE).href;
      script.onload = () => (window.AsciinemaPlayer ? resolve(window.AsciinemaPlayer) : reject(new Error("the player script loaded but defined nothing")));
      script.onerror = () => {
        loading = null; // a later attempt may succeed (the vendor folder is being installed)
        script.remove();
        reject(new Error("The replay player could not be loaded: the gateway's front-end libraries are missing (scripts/vendor.sh)."));
      };
      document.head.append(script);
    });
  }
  return loading;
}

// The recording's text for the player. A recording that is still being written may end in a
// half-written line: replay what is complete.
export function completeLines(text) {
  const end = text.lastIndexOf("\n");
  const tail = text.slice(end + 1);
  if (end < 0 || !tail.trim()) return text;
  try {
    JSON.parse(tail); // a last line without its newline, but whole
    return text;
  } catch {
    return text.slice(0, end + 1);
  }
}
