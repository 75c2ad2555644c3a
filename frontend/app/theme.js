// Dark and light themes: "system" (the default) follows prefers-color-scheme live; an explicit
// choice is kept in localStorage. theme-boot.js applies the same rule before first paint.
const KEY = "sshgate.theme";
const CHOICES = ["system", "light", "dark"];
const media = window.matchMedia("(prefers-color-scheme: dark)");
const listeners = new Set();

export function themeChoice() {
  try {
    const saved = localStorage.getItem(KEY);
    return CHOICES.includes(saved) ? saved : "system";
  } catch {
    return "system";
  }
}

export function effectiveTheme(choice = themeChoice()) {
  if (choice === "system") return media.matches ? "dark" : "light";
  return choice;
}

function apply() {
  const theme = effectiveTheme();
  document.documentElement.dataset.theme = theme;
  for (const listener of listeners) listener(theme);
}

export function setTheme(choice) {
  if (!CHOICES.includes(choice)) throw new Error(`unknown theme ${choice}`);
  if (choice === "system") localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, choice);
  apply();
}

// The quick toggle: flip between light and dark, remembering the explicit choice.
export function toggleTheme() {
  setTheme(effectiveTheme() === "dark" ? "light" : "dark");
}

export function onThemeChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

media.addEventListener("change", () => {
  if (themeChoice() === "system") apply();
});
apply();
