// The core's own screens and actions, registered through the same registerPlugin() call a
// third-party plugin uses: if the API is good enough for us, it is good enough for them.
// "terminal" and "files" panels come from the terminal and SFTP plugins.
import "./account.js";
import "./admin-users.js";
import "./audit.js";
import { mountLiveSessions } from "./live-sessions.js";
import { registerPlugin } from "./plugins.js";
import { openImport, exportServers } from "./transfer.js";
import { deleteServer, testConnection } from "./servers.js";
import { openServerForm } from "./server-form.js";
import { templatePanel } from "./tabs.js";
import { showShortcuts, toggleLog, toggleSidebar } from "./keys.js";
import { toggleTheme } from "./theme.js";
import { signOut } from "./session.js";
import { focusSiteFilter } from "./sites.js";

const admin = (ctx) => ctx.isAdmin();
const adminFor = (server, ctx) => ctx.isAdmin();

registerPlugin("core", {
  panels: [
    { id: "account", title: "Account", single: true, alpine: true, mount: templatePanel("tpl-account") },
    { id: "users", title: "Users", single: true, alpine: true, when: admin, mount: templatePanel("tpl-users") },
    { id: "audit", title: "Audit log", single: true, alpine: true, when: admin, mount: templatePanel("tpl-audit") },
    { id: "live-sessions", title: "Live sessions", single: true, alpine: true, when: admin, mount: mountLiveSessions },
  ],
  serverActions: [
    {
      id: "ssh",
      label: "SSH",
      primary: true,
      when: (server) => server.ssh_enabled,
      run: (server, ctx) => ctx.openPanel("terminal", { server }),
    },
    {
      id: "files",
      label: "Files",
      when: (server) => server.sftp_enabled,
      run: (server, ctx) => ctx.openPanel("files", { server }),
    },
    { id: "test", label: "Test connection", run: (server) => testConnection(server) },
    { id: "edit", label: "Edit", when: adminFor, run: (server) => openServerForm(server) },
    { id: "delete", label: "Delete", danger: true, when: adminFor, run: (server) => deleteServer(server) },
  ],
  menuItems: [
    { id: "account", label: "Account and security", run: (ctx) => ctx.openPanel("account") },
    { id: "users", label: "Users", when: admin, run: (ctx) => ctx.openPanel("users") },
    { id: "audit", label: "Audit log", when: admin, run: (ctx) => ctx.openPanel("audit") },
    { id: "live-sessions", label: "Live sessions", when: admin, run: (ctx) => ctx.openPanel("live-sessions") },
    { id: "add-server", label: "Add server", when: admin, run: () => openServerForm(null) },
    { id: "import", label: "Import servers…", when: admin, run: () => openImport() },
    { id: "export", label: "Export servers (no secrets)", when: admin, run: () => exportServers() },
  ],
  paletteCommands: [
    { id: "add-server", label: "Add server", when: admin, run: () => openServerForm(null) },
    { id: "search", label: "Search the Site Manager", hint: "/", run: () => focusSiteFilter() },
    { id: "account", label: "Account: password, 2FA, API keys, sessions", run: (ctx) => ctx.openPanel("account") },
    { id: "users", label: "Users", when: admin, run: (ctx) => ctx.openPanel("users") },
    { id: "audit", label: "Audit log", when: admin, run: (ctx) => ctx.openPanel("audit") },
    { id: "live-sessions", label: "Live sessions: watch or terminate terminals", when: admin, run: (ctx) => ctx.openPanel("live-sessions") },
    { id: "theme", label: "Toggle dark / light theme", run: () => toggleTheme() },
    { id: "log", label: "Show / hide the activity log", hint: "Alt L", run: () => toggleLog() },
    { id: "sidebar", label: "Show / hide the Site Manager", hint: "Alt B", run: () => toggleSidebar() },
    { id: "refresh", label: "Reload the server list", run: (ctx) => ctx.refreshServers() },
    { id: "import", label: "Import servers…", when: admin, run: () => openImport() },
    { id: "export", label: "Export servers (no secrets)", when: admin, run: () => exportServers() },
    { id: "shortcuts", label: "Keyboard shortcuts", hint: "?", run: () => showShortcuts() },
    { id: "docs", label: "Open the API explorer", run: () => window.open("docs", "_blank", "noopener") },
    { id: "sign-out", label: "Sign out", run: () => signOut() },
  ],
});
