// Registry operations behind the Site Manager and the server form: connection tests, host
// keys, delete. Results live in a small store so that any screen can show them.
import Alpine from "../vendor/alpine/alpine.esm.min.js";
import { api, describeError } from "./api.js";
import { logLocal } from "./activity.js";
import { confirmAction, notify } from "./dialogs.js";
import { loadServers, serverById, store } from "./store.js";

// Per server id: { running, result, error } of the last "Test connection".
Alpine.store("tests", {});

// Not every gateway has these routes yet (they arrive with the SSH connector); a 404 or 405
// means "this build cannot do it", which deserves its own sentence rather than "not found".
function unsupported(error) {
  return error.status === 404 && error.code === "not_found" && /no such resource/.test(error.message)
    ? true
    : error.status === 405;
}

export async function testConnection(server) {
  const tests = Alpine.store("tests");
  tests[server.id] = { running: true, result: null, error: "" };
  logLocal(`Testing the connection to ${server.name}…`, "info", server.name);
  try {
    const result = await api.post(`api/servers/${server.id}/test`);
    tests[server.id] = { running: false, result, error: "" };
    logLocal(`${server.name}: ${result.ok ? "connection works" : result.message}`, result.ok ? "success" : "failure", server.name);
    // A test may pin a key on first use, or find a changed one waiting for approval.
    await loadServers();
  } catch (error) {
    const message = unsupported(error)
      ? "This gateway cannot test connections yet (no test route)."
      : describeError(error);
    tests[server.id] = { running: false, result: null, error: message };
    logLocal(`${server.name}: ${message}`, "failure", server.name);
  }
}

export function hopsOf(result) {
  return (result && result.hops) || [];
}

export async function approveHostKey(server, fingerprint) {
  const ok = await confirmAction({
    title: "Trust the new host key?",
    message: `${server.name} now presents ${fingerprint}. Approve it only if you know why the key changed (a reinstall, a key rotation).`,
    confirmLabel: "Approve key",
    danger: true,
  });
  if (!ok) return false;
  try {
    await api.post(`api/servers/${server.id}/host-key/approve`, { fingerprint });
    notify(`New host key of ${server.name} approved.`, "success");
    await loadServers();
    return true;
  } catch (error) {
    notify(unsupported(error) ? "This gateway cannot approve host keys yet." : describeError(error), "error");
    return false;
  }
}

export async function clearHostKey(server) {
  const ok = await confirmAction({
    title: "Forget the pinned host key?",
    message: `The next connection to ${server.name} trusts whatever key it is offered, and pins it.`,
    confirmLabel: "Clear pin",
    danger: true,
  });
  if (!ok) return false;
  try {
    await api.del(`api/servers/${server.id}/host-key`);
    notify(`Host key pin of ${server.name} cleared.`, "success");
    await loadServers();
    return true;
  } catch (error) {
    notify(unsupported(error) ? "This gateway cannot clear host keys yet." : describeError(error), "error");
    return false;
  }
}

export async function deleteServer(server) {
  const ok = await confirmAction({
    title: `Delete ${server.name}?`,
    message: "Its stored credentials and pinned host key are deleted too. This cannot be undone.",
    confirmLabel: "Delete server",
    danger: true,
  });
  if (!ok) return false;
  try {
    await api.del(`api/servers/${server.id}`);
    notify(`${server.name} deleted.`, "success");
    if (store().selectedId === server.id) store().selectedId = null;
    await loadServers();
    return true;
  } catch (error) {
    notify(describeError(error), "error");
    return false;
  }
}

// The names of the jump chain, nearest hop first: "bastion → dmz-gw".
export function jumpChain(server) {
  const names = [];
  const seen = new Set();
  let hop = server.jump_via ? serverById(server.jump_via) : null;
  while (hop && !seen.has(hop.id)) {
    seen.add(hop.id);
    names.push(hop.name);
    hop = hop.jump_via ? serverById(hop.jump_via) : null;
  }
  if (server.jump_via && !names.length) names.push(`server #${server.jump_via}`);
  return names;
}

// Servers that may serve as the jump host of `server`: not itself and not anything that
// already jumps through it (the registry refuses cycles; the picker does not offer them).
export function jumpCandidates(serverId) {
  const servers = store().servers;
  if (serverId === null || serverId === undefined) return servers;
  const byId = new Map(servers.map((s) => [s.id, s]));
  const reaches = (candidate) => {
    const seen = new Set();
    for (let hop = candidate; hop && !seen.has(hop.id); hop = byId.get(hop.jump_via)) {
      if (hop.id === serverId) return true;
      seen.add(hop.id);
    }
    return false;
  };
  return servers.filter((s) => !reaches(s));
}
