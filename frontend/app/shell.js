// The page frame: which screen shows (loading, login, password, app), the top bar with
// quick search and the user menu, the drawer on phones, and the shortcuts dialog.
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { makeContext } from "./context.js";
import { SHORTCUTS, showShortcuts, toggleLog, toggleSidebar } from "./keys.js";
import { openPalette } from "./palette.js";
import { contributions } from "./plugins.js";
import { signOut } from "./session.js";
import { effectiveTheme, onThemeChange, themeChoice, setTheme, toggleTheme } from "./theme.js";

Alpine.store("theme", { effective: effectiveTheme(), choice: themeChoice() });
onThemeChange((theme) => {
  Alpine.store("theme").effective = theme;
  Alpine.store("theme").choice = themeChoice();
});

Alpine.data("shell", () => ({
  isScreen(name) {
    return this.$store.gate.screen === name;
  },
  frameClass() {
    const gate = this.$store.gate;
    return {
      workspace: true,
      "drawer-open": gate.drawerOpen,
      "sidebar-hidden": gate.sidebarHidden,
      "log-closed": !gate.logOpen,
    };
  },
  closeDrawer() {
    this.$store.gate.drawerOpen = false;
  },
  drawerOpen() {
    return this.$store.gate.drawerOpen;
  },
  shortcuts() {
    return SHORTCUTS;
  },
  closeShortcuts() {
    document.getElementById("shortcuts-dialog").close();
  },
}));

Alpine.data("topbar", () => ({
  menuOpen: false,
  version() {
    return this.$store.gate.config.version ? `v${this.$store.gate.config.version}` : "";
  },
  username() {
    const user = this.$store.gate.user;
    return user ? user.username : "";
  },
  initial() {
    return this.username().slice(0, 1).toUpperCase();
  },
  roleLabel() {
    const user = this.$store.gate.user;
    return user && user.role === "admin" ? "Administrator" : "User";
  },
  openPalette() {
    this.menuOpen = false;
    openPalette();
  },
  toggleDrawer() {
    toggleSidebar();
  },
  drawerExpanded() {
    return String(this.$store.gate.drawerOpen);
  },
  toggleTheme() {
    toggleTheme();
  },
  themeLabel() {
    return this.$store.theme.effective === "dark" ? "Switch to light theme" : "Switch to dark theme";
  },
  isDark() {
    return this.$store.theme.effective === "dark";
  },
  isLight() {
    return this.$store.theme.effective !== "dark";
  },
  overridesSystem() {
    return this.$store.theme.choice !== "system";
  },
  useSystemTheme() {
    setTheme("system");
    this.menuOpen = false;
  },
  toggleMenu() {
    this.menuOpen = !this.menuOpen;
    if (this.menuOpen) this.$nextTick(() => this.$refs.menu.querySelector("[role=menuitem]")?.focus());
  },
  closeMenu() {
    if (!this.menuOpen) return;
    this.menuOpen = false;
    this.$refs.menuButton.focus();
  },
  // Menu keys per the ARIA menu pattern: arrows cycle, Esc closes, Tab leaves.
  onMenuKey(event) {
    const items = [...this.$refs.menu.querySelectorAll("[role=menuitem]")];
    const index = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      items[(index + step + items.length) % items.length]?.focus();
    } else if (event.key === "Escape") {
      event.stopPropagation();
      this.closeMenu();
    } else if (event.key === "Tab") {
      this.menuOpen = false;
    }
  },
  menuItems() {
    void this.$store.gate.pluginsVersion;
    void this.$store.gate.user;
    const ctx = makeContext();
    return contributions("menuItems").filter((item) => {
      try {
        return !item.when || item.when(ctx);
      } catch {
        return false;
      }
    });
  },
  runItem(item) {
    this.menuOpen = false;
    item.run(makeContext());
  },
  itemKey(item) {
    return `${item.plugin}:${item.id}`;
  },
  showShortcuts() {
    this.menuOpen = false;
    showShortcuts();
  },
  toggleLog() {
    toggleLog();
  },
  signOut() {
    this.menuOpen = false;
    signOut();
  },
}));
