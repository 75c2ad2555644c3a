// The Site Manager: servers grouped by group (collapsible), filtered by name, host, tags,
// group and description, with a status dot that statusProviders fill, and a details pane
// whose buttons are the serverActions of every plugin (the core's included).
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { makeContext } from "./context.js";
import { stageLabel } from "./format.js";
import { contributions } from "./plugins.js";
import { savePrefs, serverById, store } from "./store.js";
import { approveHostKey, clearHostKey, hopsOf, jumpChain } from "./servers.js";
import { openServerForm } from "./server-form.js";

function matches(server, words) {
  const text = [server.name, server.host, server.group, server.description, ...(server.tags || [])]
    .join(" ")
    .toLowerCase();
  return words.every((word) => text.includes(word));
}

export function focusSiteFilter() {
  const s = store();
  if (window.matchMedia("(max-width: 760px)").matches) s.drawerOpen = true;
  setTimeout(() => document.getElementById("site-filter")?.focus(), 0);
}

export function selectServer(server) {
  store().selectedId = server.id;
}

// The status dot: the first provider with an answer wins.
export function statusOf(server) {
  for (const provider of contributions("statusProviders")) {
    try {
      const status = provider.status(server);
      if (status) return status;
    } catch (error) {
      console.warn(`status provider ${provider.id} failed`, error);
    }
  }
  return { state: "unknown", label: "Status unknown (no monitoring plugin)" };
}

// Registration order, except that destructive actions go last, away from the everyday ones.
export function actionsFor(server) {
  const ctx = makeContext();
  const shown = contributions("serverActions").filter((action) => {
    try {
      return !action.when || action.when(server, ctx);
    } catch {
      return false;
    }
  });
  return [...shown.filter((a) => !a.danger), ...shown.filter((a) => a.danger)];
}


Alpine.data("siteManager", () => ({
  filter: "",
  words() {
    return this.filter.toLowerCase().split(/\s+/).filter(Boolean);
  },
  groups() {
    const words = this.words();
    const byGroup = new Map();
    for (const server of this.$store.gate.servers) {
      if (!matches(server, words)) continue;
      const name = server.group || "";
      if (!byGroup.has(name)) byGroup.set(name, []);
      byGroup.get(name).push(server);
    }
    return [...byGroup.entries()]
      .sort(([a], [b]) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b)))
      .map(([name, servers]) => ({
        name,
        label: name || "Ungrouped",
        servers: servers.sort((a, b) => a.name.localeCompare(b.name)),
      }));
  },
  hasServers() {
    return this.$store.gate.servers.length > 0;
  },
  noServersYet() {
    return this.$store.gate.serversLoaded && !this.hasServers() && !this.$store.gate.serversError;
  },
  noMatches() {
    return this.hasServers() && this.groups().length === 0;
  },
  countLabel() {
    const shown = this.groups().reduce((n, g) => n + g.servers.length, 0);
    const total = this.$store.gate.servers.length;
    return shown === total ? `${total}` : `${shown} of ${total}`;
  },
  isCollapsed(group) {
    // While filtering, every group with a match is open: hiding a hit would be confusing.
    return !this.words().length && Boolean(this.$store.gate.collapsed[group.name]);
  },
  isExpanded(group) {
    return !this.isCollapsed(group);
  },
  toggleGroup(group) {
    const collapsed = this.$store.gate.collapsed;
    collapsed[group.name] = !collapsed[group.name];
    savePrefs();
  },
  clearFilter() {
    this.filter = "";
  },
  onFilterKey(event) {
    if (event.key === "Escape" && this.filter) {
      this.filter = "";
      event.stopPropagation();
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      this.$refs.tree.querySelector("[data-server]")?.focus();
    }
  },
  // Up and down walk the visible servers, like a tree view.
  onItemKey(server, event) {
    const items = [...this.$refs.tree.querySelectorAll("[data-server]")];
    const index = items.indexOf(event.currentTarget);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      items[index + (event.key === "ArrowDown" ? 1 : -1)]?.focus();
    } else if (event.key === "Enter" && event.ctrlKey) {
      this.runDefault(server);
    }
  },
  select(server) {
    selectServer(server);
  },
  isSelected(server) {
    return this.$store.gate.selectedId === server.id;
  },
  runDefault(server) {
    selectServer(server);
    const action = actionsFor(server).find((a) => a.primary);
    if (action) action.run(server, makeContext());
  },
  // Reading the two counters makes Alpine re-render the dots when a provider reports or
  // a plugin registers later.
  status(server) {
    void this.$store.gate.statusVersion;
    void this.$store.gate.pluginsVersion;
    return statusOf(server);
  },
  statusClass(server) {
    return `status-dot status-${this.status(server).state}`;
  },
  statusLabel(server) {
    return this.status(server).label;
  },
  // For screen readers, after the name; silent while no provider knows anything.
  statusText(server) {
    const status = this.status(server);
    return status.state === "unknown" ? "" : `, ${status.label}`;
  },
  canAdd() {
    const user = this.$store.gate.user;
    return Boolean(user && user.role === "admin");
  },
  cannotAdd() {
    return !this.canAdd();
  },
  add() {
    openServerForm(null);
  },
  groupLabel(server) {
    return server.group || "—";
  },
  actionKey(action) {
    return `${action.plugin}:${action.id}`;
  },
  // --- details pane -------------------------------------------------------------------
  selected() {
    return serverById(this.$store.gate.selectedId);
  },
  hasSelection() {
    return this.selected() !== null;
  },
  closeDetails() {
    this.$store.gate.selectedId = null;
  },
  address(server) {
    const port = server.port === 22 ? "" : `:${server.port}`;
    return `${server.username}@${server.host}${port}`;
  },
  authLabel(server) {
    const kind = server.auth_method === "key" ? "Private key" : "Password";
    if (!server.has_secret) return `${kind} (none stored)`;
    return server.auth_method === "key" && server.has_passphrase ? `${kind} with passphrase` : kind;
  },
  jumpLabel(server) {
    const chain = jumpChain(server);
    return chain.length ? `via ${chain.join(" → ")}` : "direct";
  },
  sftpLabel(server) {
    if (!server.sftp_enabled) return "off";
    return server.sftp_read_only ? "read-only" : "read-write";
  },
  pathsLabel(server) {
    return server.sftp_allowed_paths.length ? server.sftp_allowed_paths.join(", ") : "everywhere";
  },
  onOff(value) {
    return value ? "on" : "off";
  },
  hasTags(server) {
    return server.tags.length > 0;
  },
  pinned(server) {
    return server.host_key && server.host_key.fingerprint ? server.host_key.fingerprint : "";
  },
  pending(server) {
    return server.host_key && server.host_key.pending_fingerprint ? server.host_key.pending_fingerprint : "";
  },
  pendingTitle(server) {
    return this.pinned(server) ? "The host key changed." : "A host key waits for approval.";
  },
  hostKeyLabel(server) {
    return this.pinned(server) || "not pinned yet (trusted on first connection)";
  },
  approve(server) {
    approveHostKey(server, this.pending(server));
  },
  clearPin(server) {
    clearHostKey(server);
  },
  actions(server) {
    void this.$store.gate.pluginsVersion;
    void this.$store.gate.user;
    return actionsFor(server);
  },
  actionClass(action) {
    return action.danger ? "btn btn-danger-ghost" : action.primary ? "btn btn-primary" : "btn";
  },
  run(action, server) {
    action.run(server, makeContext());
  },
  // --- connection test -----------------------------------------------------------------
  test(server) {
    return this.$store.tests[server.id] || null;
  },
  testRunning(server) {
    return Boolean(this.test(server) && this.test(server).running);
  },
  hasTestOutcome(server) {
    const t = this.test(server);
    return Boolean(t && !t.running);
  },
  testClass(server) {
    const t = this.test(server);
    return t && t.result && t.result.ok ? "test-result ok" : "test-result failed";
  },
  testHeadline(server) {
    const t = this.test(server);
    if (!t || t.running) return "";
    if (t.error) return "Could not test";
    return stageLabel(t.result.stage);
  },
  testMessage(server) {
    const t = this.test(server);
    if (!t || t.running) return "";
    return t.error || t.result.message || "";
  },
  testHops(server) {
    const t = this.test(server);
    return hopsOf(t && t.result).map((hop, index) => ({ ...hop, key: `${index}-${hop.name}` }));
  },
  hopLabel(hop) {
    return `${hop.name} (${hop.host}:${hop.port})`;
  },
  hopTime(hop) {
    return `${Math.round(hop.ms)} ms`;
  },
  hopClass(hop) {
    return hop.ok ? "hop ok" : "hop failed";
  },
}));
