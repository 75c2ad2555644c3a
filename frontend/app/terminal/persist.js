// Which terminal tabs this browser tab had open, so that a reload finds them again (TERM-3).
// sessionStorage, not localStorage: it belongs to this browser tab (a second window does not
// grab the same shells) and is gone when the tab closes. Only the session id is kept, never
// a token or a credential: reattaching is authorised by the session cookie, and the gateway
// only lets the session's owner attach.
const KEY = "sshgate.terminals";

function read() {
  try {
    const list = JSON.parse(sessionStorage.getItem(KEY));
    return Array.isArray(list) ? list.filter((entry) => entry && typeof entry.sessionId === "string") : [];
  } catch {
    return [];
  }
}

function write(list) {
  try {
    if (list.length) sessionStorage.setItem(KEY, JSON.stringify(list));
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage full or disabled: the terminals work, they just do not survive a reload.
  }
}

let counter = 0;
export function newEntryId() {
  counter += 1;
  return `t${Date.now().toString(36)}${counter}`;
}

// entry: { id, mode: "terminal" | "split", serverId, sessionId, label }
export function remember(entry) {
  const list = read();
  const index = list.findIndex((item) => item.id === entry.id);
  const clean = { id: entry.id, mode: entry.mode, serverId: entry.serverId ?? null, sessionId: entry.sessionId, label: entry.label || "" };
  if (index >= 0) list[index] = clean;
  else list.push(clean);
  write(list);
}

export function forget(id) {
  write(read().filter((item) => item.id !== id));
}

export function remembered() {
  return read();
}
