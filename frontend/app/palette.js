// The command palette (Ctrl+K, Ctrl+Shift+P): one fuzzy list over servers and the
// paletteCommands of every plugin. Arrow keys move, Enter runs, Esc closes (native <dialog>).
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { makeContext } from "./context.js";
import { fuzzyMatch, highlight } from "./fuzzy.js";
import { listNavigation } from "./listnav.js";
import { contributions } from "./plugins.js";
import { selectServer } from "./sites.js";
import { store } from "./store.js";

const LIMIT = 50;
let instance = null;

export function openPalette(query = "") {
  instance.open(query);
}

export function paletteIsOpen() {
  return Boolean(instance && instance.$refs.dialog.open);
}

function commandItems(ctx) {
  return contributions("paletteCommands")
    .filter((command) => {
      try {
        return !command.when || command.when(ctx);
      } catch {
        return false;
      }
    })
    .map((command) => ({
      key: `cmd:${command.plugin}:${command.id}`,
      kind: "Action",
      label: command.label,
      hint: command.hint || "",
      run: () => command.run(ctx),
    }));
}

function serverItems() {
  return store().servers.map((server) => ({
    key: `server:${server.id}`,
    kind: "Server",
    label: server.name,
    // Host, group and tags are searched too, but shown quietly beside the name.
    hint: [server.host, server.group, ...server.tags].filter(Boolean).join(" · "),
    run: () => {
      selectServer(server);
      if (window.matchMedia("(max-width: 760px)").matches) store().drawerOpen = true;
    },
  }));
}

Alpine.data("palette", () => ({
  ...listNavigation("palette"),
  query: "",
  init() {
    instance = this;
    this.$watch("query", () => {
      this.active = 0;
    });
  },
  open(query) {
    this.query = query;
    this.active = 0;
    if (!this.$refs.dialog.open) this.$refs.dialog.showModal();
    // Focus now, not on the next tick: keys typed right after Ctrl+K must land in the box
    // (a deferred select() would select them, and the next key would replace them).
    this.$refs.input.focus();
  },
  close() {
    this.$refs.dialog.close();
  },
  results() {
    void this.$store.gate.pluginsVersion;
    const items = [...commandItems(makeContext()), ...serverItems()];
    if (!this.query.trim()) {
      return items.slice(0, LIMIT).map((item) => ({ ...item, parts: highlight(item.label, []) }));
    }
    return items
      .map((item) => {
        const onLabel = fuzzyMatch(this.query, item.label);
        const onAll = onLabel || fuzzyMatch(this.query, `${item.label} ${item.hint}`);
        if (!onAll) return null;
        // A match in the label itself ranks above one that needed the hint.
        const score = onLabel ? onLabel.score + 10 : onAll.score;
        return { ...item, score, parts: highlight(item.label, onLabel ? onLabel.hits : []) };
      })
      .filter(Boolean)
      .sort((a, b) => b.score - a.score)
      .slice(0, LIMIT);
  },
  isEmpty() {
    return this.results().length === 0;
  },
  choose(item) {
    this.run(item);
  },
  run(item) {
    this.close();
    item.run();
  },
}));
