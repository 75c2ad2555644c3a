// The SFTP plugin's front end: registers the "files" panel (the Site Manager's Files button,
// and the right half of the terminal's split tab) and the "sftp-editor" panel the browser
// opens files in. Loaded by the page from the plugin's extra_js_urls hook.
import { registerPlugin } from "../../app/plugins.js";
import { mountEditor } from "./editor.js";
import { FilesPanel } from "./panel.js";

function needServer(ctx) {
  if (!ctx.server) throw new Error("Choose a server in the Site Manager, then press Files.");
  if (!ctx.server.sftp_enabled) throw new Error("SFTP is off for this server; an administrator can turn it on in its settings.");
}

registerPlugin("sftp", {
  panels: [
    {
      id: "files",
      title: "Files",
      mount(el, ctx) {
        needServer(ctx);
        const panel = new FilesPanel(el, ctx);
        panel.start((ctx.props && ctx.props.path) || "");
        return { unmount: () => panel.unmount() };
      },
    },
    {
      id: "sftp-editor",
      title: "Edit",
      tabTitle: (server, props) => `Edit: ${String(props.path || "").split("/").pop()}`,
      mount(el, ctx) {
        needServer(ctx);
        return mountEditor(el, ctx);
      },
    },
  ],
});
