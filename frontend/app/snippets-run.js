// Running a snippet: which terminal tab types it, the audited POST api/snippets/<id>/run,
// the confirmation a snippet may ask for, and handing the command to the terminal through
// the documented "sshgate:terminal-input" window event (docs/frontend-plugins.md,
// "Snippets"). The server never runs anything: it renders, checks the server, audits; the
// browser types. The run dialog (snippets-runner.js) asks for the parameters first.
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { api, describeError } from "./api.js";
import { confirmAction, copyText, notify } from "./dialogs.js";
import { serverById, store } from "./store.js";
import { activateTab } from "./tabs.js";

export const TERMINAL_INPUT_EVENT = "sshgate:terminal-input";
const TERMINAL_PANELS = new Set(["terminal", "terminal-split"]);
const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

let runner = null; // the run dialog, once it exists
let lastTerminal = null; // uid of the terminal tab used most recently

export function setRunner(component) {
  runner = component;
}

// Ask for the snippet's parameters (or pick a snippet first), then run it. tabUid: type into
// that tab (the snippet bar of a terminal); without it, the active or last terminal tab.
export function openRunner(snippet = null, tabUid = null) {
  if (runner) runner.open(snippet, tabUid);
}

function panelData(tab) {
  return document.getElementById(`${tab.uid}-panel`)?.dataset || {};
}

// Terminal tabs that can take typing: a read-only view (watching, a read-only share) cannot.
function terminalTabs() {
  return store().tabs.filter((tab) => TERMINAL_PANELS.has(tab.panelId) && panelData(tab).readOnly !== "true");
}

// The given tab, else the active terminal tab, else the one used last, else none.
export function targetTab(tabUid = null) {
  const tabs = terminalTabs();
  if (tabUid) return tabs.find((tab) => tab.uid === tabUid) || null;
  return tabs.find((tab) => tab.uid === store().activeTab) || tabs.find((tab) => tab.uid === lastTerminal) || null;
}

// A terminal panel may announce its shell on its element (data-server-id, data-session-id):
// a reattached tab knows its server only from the shell's hello.
export function shellOf(tab) {
  const data = panelData(tab);
  const serverId = Number.parseInt(data.serverId || "", 10) || tab.serverId || null;
  const sessionId = SESSION_ID.test(data.sessionId || "") ? data.sessionId : null;
  return { serverId, sessionId };
}

// "Run in web-1": where a run would go, for the dialog's button.
export function targetLabel(tab) {
  if (!tab) return "";
  const { serverId } = shellOf(tab);
  const server = serverId ? serverById(serverId) : null;
  return server ? server.name : tab.title;
}

// True when a terminal took the text (it calls preventDefault()).
export function typeIntoTerminal(tab, text, run) {
  const event = new CustomEvent(TERMINAL_INPUT_EVENT, {
    cancelable: true,
    detail: { tabId: tab.uid, serverId: shellOf(tab).serverId, text, run, source: "snippets" },
  });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}

async function handOver(command, why) {
  const copied = await copyText(command);
  notify(`${why}: ${copied ? "the command is on the clipboard" : "copy it from the Snippets screen"}.`, "info");
}

export async function runSnippet(snippet, values, tabUid = null) {
  const tab = targetTab(tabUid);
  const path = `api/snippets/${snippet.id}`;
  try {
    if (!tab) {
      const { command } = await api.post(`${path}/render`, { params: values });
      await handOver(command, "No terminal tab is open");
      return;
    }
    const { serverId, sessionId } = shellOf(tab);
    let command = null;
    if (snippet.confirm) {
      ({ command } = await api.post(`${path}/render`, { params: values }));
      const ok = await confirmAction({ title: `Run ${snippet.name} on ${targetLabel(tab)}?`, message: command, confirmLabel: "Run", danger: true });
      if (!ok) return;
    }
    if (serverId) {
      // Checks that we may use this server and writes the audit entry.
      const body = { server_id: serverId, params: values };
      if (sessionId) body.session_id = sessionId;
      ({ command } = await api.post(`${path}/run`, body));
    } else if (command === null) {
      ({ command } = await api.post(`${path}/render`, { params: values }));
    }
    activateTab(tab.uid);
    if (!typeIntoTerminal(tab, command, true)) await handOver(command, "The terminal did not take the command");
  } catch (error) {
    notify(describeError(error), "error");
  }
}

// Remember the terminal tab used last, so that running from the Snippets screen (which is
// itself a tab) still knows where to type.
export function trackLastTerminal() {
  Alpine.effect(() => {
    const s = store();
    const tab = s.tabs.find((t) => t.uid === s.activeTab);
    if (tab && TERMINAL_PANELS.has(tab.panelId)) lastTerminal = tab.uid;
  });
}
