// The ctx object handed to plugin code: panel mount(), server actions, menu items, palette
// commands and setup(). One place builds it, so that every slot sees the same helpers and the
// API documented in docs/frontend-plugins.md stays true.
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { api, describeError, wsUrl } from "./api.js";
import { onEvent, logLocal } from "./activity.js";
import { confirmAction, notify, showSecret } from "./dialogs.js";
import { isAdmin, loadServers, serverById, store } from "./store.js";
import { activateTab, closeTab, openPanel } from "./tabs.js";

export function makeContext(extra = {}) {
  return {
    api,
    wsUrl,
    describeError,
    notify,
    confirm: confirmAction,
    showSecret,
    openPanel,
    closeTab,
    activateTab,
    onEvent,
    log: logLocal,
    user: () => store().user,
    isAdmin,
    // GET api/config as the page read it at start: plugins' public values are under extra.
    config: () => store().config,
    servers: () => store().servers,
    server: serverById,
    refreshServers: loadServers,
    // Ask the page to re-read statusProviders (e.g. after a monitoring poll).
    statusChanged: () => {
      store().statusVersion += 1;
    },
    Alpine,
    ...extra,
  };
}
