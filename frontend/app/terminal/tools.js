// The toolbar controls beyond the basics: Share and the attached-clients badge (the owner's
// view only) and the snippet bar (any view that may type). They appear once the shell's hello
// says what this view is: a quick-connect shell has no registered server that a joiner could
// be allowed on, so it cannot be shared; a read-only view cannot type snippets.
import { store } from "../store.js";
import { createAttached } from "./attached.js";
import { iconButton } from "./dom.js";
import { createShareDialog } from "./share.js";
import { createSnippetBar } from "./snippet-bar.js";

// view: the TerminalView (root, body, toolbar, term, connection, label); tabId: its tab.
export function createTools(view, { tabId, guest }) {
  const bar = createSnippetBar({
    tabId,
    focusTerminal: () => view.term.focus(),
    onToggle: (open) => snippetsButton.setAttribute("aria-pressed", String(open)),
  });
  const snippetsButton = iconButton("snippets", "Snippets", () => bar.toggle(), { "data-action": "snippets", "aria-pressed": "false", hidden: true });
  view.body.before(bar.el);
  let share = null;
  const shareButton = iconButton("share", "Share this terminal", () => openShare(), { "data-action": "share", hidden: true });
  const attached = guest
    ? null
    : createAttached({
        sessionId: () => view.connection.sessionId,
        visible: () => view.root.offsetParent !== null,
        me: store().user?.username || "",
      });
  if (attached) {
    view.toolbar.addTools(attached.badge, shareButton, snippetsButton);
    view.root.append(attached.pop);
  } else {
    view.toolbar.addTools(snippetsButton);
  }

  function openShare() {
    if (!share) {
      share = createShareDialog({ sessionId: () => view.connection.sessionId, server: view.label, onChanged: () => attached.refresh() });
      view.root.append(share.el);
      // Back to typing once the dialog is done, not to the Share button.
      share.el.addEventListener("close", () => view.term.focus());
    }
    share.open();
  }

  return {
    hello(hello) {
      snippetsButton.hidden = Boolean(hello.read_only);
      if (hello.read_only) bar.hide();
      else bar.restore();
      if (!attached) return;
      shareButton.hidden = hello.server_id === null;
      attached.start();
    },
    // Someone attached or left: the gateway says so, the list is read again.
    clientsChanged() {
      if (view.connection.state === "connected") attached?.refresh();
    },
    ended() {
      snippetsButton.hidden = shareButton.hidden = true;
      bar.hide();
      if (share?.el.open) share.el.close();
      attached?.stop();
    },
    dispose() {
      attached?.dispose();
    },
  };
}
