// Keys a browser or a device keeps from a terminal (UI-6).
//
// Full screen: in full screen Chromium lets a page take the keys the browser normally keeps
// (Ctrl+W, Ctrl+T, Ctrl+N) through the Keyboard Lock API, so they reach the shell; the
// browser then asks for Esc to be held to leave full screen. Browsers without Keyboard Lock
// still get the bigger screen.
//
// The key bar for phones and tablets: the keys a soft keyboard lacks. Ctrl is sticky: tap it,
// then a letter on the soft keyboard, and the shell gets the control character. Buttons never
// take focus (pointerdown is cancelled), so the soft keyboard stays up.
import { h } from "./dom.js";

export function fullscreenSupported() {
  return Boolean(document.fullscreenEnabled);
}

export function isFullscreen(el) {
  return document.fullscreenElement === el;
}

export async function enterFullscreen(el) {
  if (!fullscreenSupported() || isFullscreen(el)) return;
  try {
    await el.requestFullscreen({ navigationUI: "hide" });
  } catch {
    return; // refused (no user gesture, iframe without allowfullscreen): stay as we are
  }
  try {
    await navigator.keyboard?.lock?.();
  } catch {
    // Keyboard Lock refused or unsupported: full screen without it.
  }
}

export async function exitFullscreen() {
  navigator.keyboard?.unlock?.();
  if (document.fullscreenElement) {
    try {
      await document.exitFullscreen();
    } catch {
      // Already left (Esc held): nothing to undo.
    }
  }
}

export function toggleFullscreen(el) {
  return isFullscreen(el) ? exitFullscreen() : enterFullscreen(el);
}

// Leaving full screen by the browser's own means (Esc held, F11) must release the keys too.
document.addEventListener("fullscreenchange", () => {
  if (!document.fullscreenElement) navigator.keyboard?.unlock?.();
});

// Ctrl+key for the characters that have a control code (Ctrl+C = 0x03, Ctrl+[ = Esc, ...).
export function controlCode(char) {
  if (char.length !== 1) return null;
  const upper = char.toUpperCase();
  const code = upper.charCodeAt(0);
  if (code >= 64 && code <= 95) return String.fromCharCode(code - 64); // @, A-Z, [ \ ] ^ _
  if (char === " ") return "\x00";
  if (char === "?") return "\x7f";
  if (char === "/") return "\x1f";
  return null;
}

export function createKeyBar(term) {
  let ctrl = false;
  const arrow = (letter) => () => (term.modes.applicationCursorKeysMode ? `\x1bO${letter}` : `\x1b[${letter}`);
  const KEYS = [
    { label: "Esc", name: "Escape", send: () => "\x1b" },
    { label: "Tab", name: "Tab", send: () => "\t" },
    { label: "Ctrl", name: "Control (sticky)", sticky: true },
    { label: "←", name: "Left", send: arrow("D") },
    { label: "↑", name: "Up", send: arrow("A") },
    { label: "↓", name: "Down", send: arrow("B") },
    { label: "→", name: "Right", send: arrow("C") },
    { label: "|", name: "Pipe", send: () => "|" },
    { label: "~", name: "Tilde", send: () => "~" },
    { label: "/", name: "Slash", send: () => "/" },
  ];
  const buttons = KEYS.map((key) => {
    const button = h("button", { type: "button", class: "term-key", "aria-label": key.name, tabindex: "-1" }, key.label);
    if (key.sticky) button.setAttribute("aria-pressed", "false");
    button.addEventListener("pointerdown", (event) => event.preventDefault());
    button.addEventListener("click", () => {
      if (key.sticky) {
        setCtrl(!ctrl);
        return;
      }
      // Ctrl then a bar key: Ctrl+/ is 0x1f; the others have no control form, send as is.
      const data = key.send();
      const controlled = ctrl ? controlCode(data) : null;
      setCtrl(false);
      term.input(controlled ?? data, true);
    });
    return button;
  });
  const ctrlButton = buttons[2];

  function setCtrl(on) {
    ctrl = on;
    ctrlButton.setAttribute("aria-pressed", String(on));
  }

  return {
    el: h("div", { class: "term-keys", role: "toolbar", "aria-label": "Extra keys" }, buttons),
    // Called with each onData chunk: a sticky Ctrl turns the next typed character into its
    // control code, then lets go.
    transform(data) {
      if (!ctrl) return data;
      const controlled = controlCode(data);
      setCtrl(false);
      return controlled ?? data;
    },
  };
}
