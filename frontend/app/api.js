// fetch() for the sshgate API: relative URLs (the app may live under a sub-path), the CSRF
// header on every state-changing call, and the one JSON error shape turned into ApiError.

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
const CSRF_COOKIE = "sshgate_csrf";
const handlers = { unauthorized: new Set(), passwordChange: new Set() };

export class ApiError extends Error {
  constructor(status, code, message, details = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

// The session cookie is HttpOnly; its CSRF twin is readable on purpose (double submit).
// Exported for requests the wrapper cannot make (XHR uploads with progress).
export function csrfToken() {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === CSRF_COOKIE) return decodeURIComponent(rest.join("="));
  }
  return "";
}

// Whether this browser holds a session at all. Saves the 401 of asking "who am I?" on a
// first visit; a stale cookie still gets its honest 401 from api/auth/me.
export function hasSessionCookie() {
  return csrfToken() !== "";
}

export function withQuery(path, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function readBody(response) {
  const type = response.headers.get("Content-Type") || "";
  if (!type.includes("json")) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}

export async function request(path, { method = "GET", body, query, signal } = {}) {
  if (path.startsWith("/")) throw new Error(`API paths are relative: ${path}`);
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (!SAFE.has(method)) headers["X-CSRF-Token"] = csrfToken();
  let response;
  try {
    response = await fetch(withQuery(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "network_error", "The gateway did not answer. Check your connection and try again.");
  }
  const data = await readBody(response);
  if (response.ok) return data;
  const problem = (data && data.error) || {};
  const error = new ApiError(
    response.status,
    problem.code || `http_${response.status}`,
    problem.message || `${method} ${path} failed (HTTP ${response.status})`,
    problem.details,
  );
  // A wrong password at login is a 401 too; only a lost session sends the page back to login.
  if (response.status === 401 && !path.startsWith("api/auth/login")) notify("unauthorized", error);
  if (response.status === 403 && error.code === "password_change_required") notify("passwordChange", error);
  throw error;
}

function notify(kind, error) {
  for (const handler of handlers[kind]) handler(error);
}

export function onAuthProblem(kind, handler) {
  handlers[kind].add(handler);
  return () => handlers[kind].delete(handler);
}

export const api = {
  get: (path, query) => request(path, { query }),
  post: (path, body = {}) => request(path, { method: "POST", body }),
  patch: (path, body = {}) => request(path, { method: "PATCH", body }),
  put: (path, body = {}) => request(path, { method: "PUT", body }),
  del: (path) => request(path, { method: "DELETE" }),
};

// For messages: the server's sentence, plus field problems when validation listed them.
export function describeError(error) {
  if (!(error instanceof ApiError)) return error && error.message ? error.message : String(error);
  const fields = (error.details && error.details.errors) || [];
  return fields.length && error.code === "validation_error"
    ? fields.map((item) => (item.field ? `${item.field}: ${item.message}` : item.message)).join("; ")
    : error.message;
}

// A WebSocket URL relative to the page, with the scheme the page was loaded over.
export function wsUrl(path) {
  const url = new URL(path, document.baseURI);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}
