// One terminal's WebSocket, speaking docs/protocol.md: binary frames are terminal bytes,
// text frames JSON control messages. The connection outlives its sockets: a session lives on
// the gateway (TERM-3), so when a socket drops we reattach to the same shell with backoff
// (api/ws/terminal/attach/{id}) instead of opening a new one.
import { api, wsUrl } from "../api.js";

export const CLOSE = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  UNAUTHORIZED: 4401,
  FORBIDDEN: 4403,
  NOT_FOUND: 4404,
  TIMEOUT: 4408,
  LIMIT: 4429,
  SSH_FAILED: 4502,
};
// Refusals that no retry can fix: say why and stop.
const FINAL = new Set([CLOSE.FORBIDDEN, CLOSE.LIMIT, CLOSE.SSH_FAILED]);
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
const PING_MS = 15000;
// A socket that answers no ping for this long is dead even if the browser has not noticed
// (a laptop lid, a NAT that forgot us): drop it and reattach.
const DEAD_MS = 2 * PING_MS + 5000;

// target: { serverId } opens a new shell, { sessionId } reattaches, { quick } quick-connects,
// { join: token } joins a shared session, { watch: sessionId } watches one (administrators).
// A joiner or watcher is a guest: it reconnects the way it came, and never ends the shell.
// events: session(hello, reattached), output(bytes), state(name, detail), latency(ms),
// notice(text), hostKey(offer) -> Promise<boolean>, ended({ kind, reason, error, code }).
export class TerminalConnection {
  constructor(target, size, events) {
    this.target = { ...target };
    this.size = size;
    this.events = events;
    this.sessionId = target.sessionId || null;
    this.guest = Boolean(target.join || target.watch);
    this.ws = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.lastPong = 0;
    this.exit = null;
    this.error = null;
    this.closing = null;
    this.done = false;
    this.onOnline = () => this.state === "reconnecting" && this.reconnectNow();
    window.addEventListener("online", this.onOnline);
  }

  start() {
    this.open();
  }

  url() {
    const { cols, rows } = this.size();
    const query = `cols=${cols}&rows=${rows}`;
    // The share token never goes in a URL (proxies log those): it is the first message.
    if (this.target.join) return wsUrl("api/ws/terminal/join");
    if (this.target.watch) return wsUrl(`api/ws/terminal/watch/${encodeURIComponent(this.target.watch)}`);
    if (this.sessionId) return wsUrl(`api/ws/terminal/attach/${encodeURIComponent(this.sessionId)}`);
    if (this.target.quick) return wsUrl(`api/ws/terminal/quick?${query}`);
    return wsUrl(`api/ws/terminal/${encodeURIComponent(this.target.serverId)}?${query}&term=xterm-256color`);
  }

  open() {
    const attaching = Boolean(this.sessionId);
    this.setState(attaching && this.attempt ? "reconnecting" : "connecting", { attempt: this.attempt });
    this.exit = this.error = this.closing = null;
    const ws = new WebSocket(this.url());
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      ws.opened = true;
      // Quick connect: the client speaks first, credentials in a message, never the URL.
      if (this.target.quick && !attaching) ws.send(JSON.stringify({ type: "connect", ...this.target.quick }));
      if (this.target.join) ws.send(JSON.stringify({ type: "join", token: this.target.join }));
    };
    ws.onmessage = (event) => this.received(ws, event.data, attaching);
    ws.onclose = (event) => this.closed(ws, event.code, event.reason);
    // onerror is always followed by onclose (code 1006), which decides what happens next.
  }

  received(ws, data, attaching) {
    if (ws !== this.ws) return;
    if (typeof data !== "string") {
      this.events.output(new Uint8Array(data));
      return;
    }
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    const handlers = {
      session: () => this.hello(message, attaching),
      pong: () => {
        this.lastPong = performance.now();
        if (typeof message.t === "number") this.events.latency(Math.max(0, this.lastPong - message.t));
      },
      notice: () => this.events.notice(message.message || ""),
      size: () => this.events.size?.(message.cols, message.rows),
      clients: () => this.events.clients?.(),
      exit: () => {
        this.exit = message;
      },
      error: () => {
        // bad_message answers a control message we sent; the session carries on.
        if (message.code !== "bad_message") this.error = message;
      },
      host_key: () => this.confirmHostKey(ws, message),
      // The close code, said before the close frame (which may arrive as 1006 without it).
      closing: () => {
        this.closing = message;
      },
    };
    handlers[message.type]?.();
  }

  hello(message, attaching) {
    this.sessionId = message.id;
    // Credentials are needed once; every later socket reattaches by session id.
    if (this.target.quick) this.target.quick = null;
    this.attempt = 0;
    this.lastPong = performance.now();
    this.setState("connected", { hello: message });
    this.events.session(message, attaching);
    this.startPing();
  }

  async confirmHostKey(ws, offer) {
    this.setState("confirming", { offer });
    const accepted = await this.events.hostKey(offer);
    if (ws !== this.ws || ws.readyState !== WebSocket.OPEN) return;
    if (accepted) {
      this.setState("connecting", {});
      ws.send(JSON.stringify({ type: "accept_host_key", fingerprint: offer.fingerprint }));
    } else {
      this.finish({ kind: "failed", reason: "You did not trust the host key.", error: null, code: CLOSE.FORBIDDEN });
      ws.close(1000);
    }
  }

  // What ended a socket. The control message sent before the close (exit, error) decides
  // first: Chromium may report a gateway's close as 1006 and lose its code when the TCP
  // connection is torn down right behind the close frame. The code decides the rest.
  closed(ws, closeCode, closeReason) {
    if (ws !== this.ws || this.done) return;
    const code = this.closing ? this.closing.code : closeCode;
    const reason = this.closing ? this.closing.reason : closeReason;
    this.ws = null;
    this.stopPing();
    const hadSession = Boolean(this.sessionId);
    const error = this.error;
    if (this.exit || code === CLOSE.NORMAL) {
      this.finish({ kind: "exit", reason: (this.exit && this.exit.reason) || reason || "the session ended", code });
    } else if (code === CLOSE.UNAUTHORIZED) {
      this.finish({ kind: "unauthorized", reason, code });
    } else if (hadSession && code === CLOSE.FORBIDDEN) {
      // Kicked by the owner, or the share link was revoked: joining again would be wrong.
      this.finish({ kind: "removed", reason, code });
    } else if (hadSession && (code === CLOSE.NOT_FOUND || (error && error.code === "not_found"))) {
      this.finish({ kind: "gone", reason: reason || "no such terminal session", code });
    } else if (error || FINAL.has(code) || code === CLOSE.NOT_FOUND || !hadSession) {
      // Never got a shell: a refusal, or the gateway could not be reached at all.
      const failure = error || { code: `close_${code}`, message: reason || "The gateway did not answer. Check the connection and try again." };
      this.finish({ kind: "failed", reason: failure.message, error: failure, code });
    } else {
      // 1006 (network), 1001 (gateway restarting), 4408 without exit (this view fell behind):
      // the shell is still there, go and get it back.
      if (!ws.opened) this.checkSignedIn();
      this.scheduleReconnect();
    }
  }

  // A handshake refused before it opened may be a lost sign-in (the browser does not say
  // why a handshake failed). Asking the API settles it: a 401 there sends the page to the
  // login screen through api.js, which closes this tab.
  checkSignedIn() {
    api.get("api/auth/me").catch(() => {});
  }

  scheduleReconnect() {
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    this.setState("reconnecting", { attempt: this.attempt, delay, at: Date.now() + delay });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  reconnectNow() {
    if (this.done || this.ws) return;
    clearTimeout(this.retryTimer);
    this.open();
  }

  startPing() {
    this.stopPing();
    const ping = () => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
      if (performance.now() - this.lastPong > DEAD_MS) {
        this.abandon();
        return;
      }
      this.control({ type: "ping", t: performance.now() });
    };
    ping();
    this.pingTimer = setInterval(ping, PING_MS);
  }

  stopPing() {
    clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  // Give up on a socket the browser still thinks is open, without waiting for its close.
  abandon() {
    const ws = this.ws;
    this.ws = null;
    this.stopPing();
    if (ws) {
      ws.onclose = ws.onmessage = null;
      if (ws.readyState === WebSocket.OPEN) ws.close();
    }
    this.scheduleReconnect();
  }

  openSocket() {
    return this.ws && this.ws.readyState === WebSocket.OPEN && this.state === "connected" ? this.ws : null;
  }

  control(message) {
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  resize(cols, rows) {
    if (this.state === "connected") this.control({ type: "resize", cols, rows });
  }

  setState(name, detail = {}) {
    this.state = name;
    this.events.state(name, detail);
  }

  finish(outcome) {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.retryTimer);
    this.stopPing();
    this.setState("ended", outcome);
    this.events.ended(outcome);
  }

  // end: true ends the shell for everyone (closing the tab); false only detaches, and the
  // shell waits out its grace period (a page being torn down for a sign-out, say).
  dispose({ end = true } = {}) {
    window.removeEventListener("online", this.onOnline);
    clearTimeout(this.retryTimer);
    this.stopPing();
    this.done = true;
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onclose = ws.onmessage = null;
    // A guest only leaves: "close" from a read-write joiner would end the owner's shell.
    if (this.guest) end = false;
    // Closing a socket that is still connecting makes Chromium log an error; let it open.
    if (ws.readyState === WebSocket.CONNECTING) ws.onopen = () => ws.close(1000);
    if (ws.readyState !== WebSocket.OPEN) return;
    if (end) ws.send(JSON.stringify({ type: "close" }));
    ws.close(1000);
  }
}
