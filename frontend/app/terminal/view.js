// One terminal on screen: xterm, its toolbar and find bar, the mobile key bar, and the
// connection behind it. The terminal panel and the split view both host one of these.
import { api } from "../api.js";
import { sessionLost } from "../session.js";
import { createBadges } from "./badges.js";
import { TerminalConnection } from "./connection.js";
import { createDecoder } from "./decoder.js";
import { h } from "./dom.js";
import { createFindBar } from "./find.js";
import { createBanner, guestEnded, guestKind, guestLabel } from "./guest.js";
import { InputSender } from "./input.js";
import { createKeyBar, fullscreenSupported, isFullscreen, toggleFullscreen } from "./keyboard.js";
import { bar, button, failureCard, hostKeyCard, reconnectingBar } from "./notices.js";
import { forget, newEntryId, remember } from "./persist.js";
import { createScreen } from "./screen.js";
import { createToolbar } from "./toolbar.js";
import { createTools } from "./tools.js";

const MB = 1024 * 1024;

// options: server (or null), target ({ serverId } | { sessionId } | { quick } | { join } |
// { watch }), label, mode ("terminal" | "split"), persistId, tabId, onTitle(text, ended),
// onSession(hello), onNewSession(), onClose().
export class TerminalView {
  constructor(host, options) {
    this.options = options;
    this.label = options.label;
    this.persistId = options.persistId || newEntryId();
    // A joiner or an administrator watching: someone else's shell (terminal/guest.js).
    this.guest = guestKind(options.target);
    this.banner = createBanner();
    this.screenEl = h("div", { class: "term-screen" });
    this.overlay = h("div", { class: "term-overlay" });
    this.body = h("div", { class: "term-body" }, this.screenEl, this.overlay);
    this.badges = createBadges(); // plugins' labels (terminalBadges), filled in at hello
    this.toolbar = createToolbar({
      name: this.label,
      badges: this.badges.el,
      fullscreen: fullscreenSupported(),
      onFind: () => this.find.toggle(),
      onPaste: () => this.screen.paste(),
      onFullscreen: () => this.fullscreen(),
    });
    this.root = h("div", { class: "term" }, this.toolbar.el, this.banner.el, this.body);
    host.append(this.root);
    this.screen = createScreen(this.screenEl, { keys: (event) => this.key(event), onResize: (cols, rows) => this.resized(cols, rows) });
    this.term = this.screen.term;
    this.root.__sshgateTerminal = this.term; // for tests and the curious: the live xterm
    this.root.__sshgateView = this;
    this.find = createFindBar({ search: this.screen.search, term: this.term });
    this.body.append(this.find.el);
    this.keybar = createKeyBar(this.term);
    this.root.append(this.keybar.el);
    this.toolbar.setSize(this.term.cols, this.term.rows);
    this.tools = createTools(this, { tabId: options.tabId, guest: this.guest });
    this.input = new InputSender({
      socket: () => this.connection && this.connection.openSocket(),
      onProgress: (sent, total) => this.pasteProgress(sent, total),
      onDropped: () => this.toolbar.setNote("Not connected: input was not sent"),
    });
    this.typeahead = ""; // keys typed while a new shell opens
    this.term.onData((data) => this.typed(this.keybar.transform(data)));
    // Mouse reports in the old X10 encoding are bytes, not text.
    this.term.onBinary((data) => this.input.sendBytes(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)));
    this.onFullscreenChange = () => {
      this.toolbar.setFullscreen(isFullscreen(this.root));
      this.screen.refit();
    };
    document.addEventListener("fullscreenchange", this.onFullscreenChange);
    this.connect(options.target);
  }

  connect(target) {
    this.decoder = createDecoder("utf-8");
    this.connection = new TerminalConnection(target, () => ({ cols: this.term.cols, rows: this.term.rows }), {
      session: (hello, reattached) => this.hello(hello, reattached),
      output: (bytes) => this.term.write(this.decoder.decode(bytes)),
      state: (name, detail) => this.stateChanged(name, detail),
      latency: (ms) => this.toolbar.setLatency(ms),
      notice: (text) => this.toolbar.setNote(text),
      size: (cols, rows) => this.guest && this.screen.follow(cols, rows),
      clients: () => this.tools.clientsChanged(),
      hostKey: (offer) => this.confirmHostKey(offer),
      ended: (outcome) => this.ended(outcome),
    });
    this.connection.start();
  }

  // Big pastes take seconds on a slow link: say how far along they are.
  pasteProgress(sent, total) {
    if (total > MB) {
      this.pasting = true;
      this.toolbar.setNote(`Pasting ${Math.floor((100 * sent) / total)} %`);
    } else if (this.pasting) {
      this.pasting = false;
      this.toolbar.setNote(this.readOnly ? "Read-only view" : "");
    }
  }

  // Keys typed while a new shell is still opening go out once it is up, as with ssh(1).
  // Not while reconnecting: by then the shell may be doing something else entirely.
  typed(data) {
    if (this.readOnly) {
      this.toolbar.setNote("Read-only view: typing is not sent");
      return;
    }
    const opening = this.connection.state === "connecting" && !this.connection.sessionId;
    if (opening && !this.guest && this.typeahead.length < 4096) this.typeahead += data;
    else this.input.send(data);
  }

  hello(hello, reattached) {
    // A reattach replays the scrollback from its start: begin from a clean screen so that
    // nothing shows twice after a network drop.
    if (reattached) this.term.reset();
    this.decoder = createDecoder(hello.encoding);
    this.readOnly = Boolean(hello.read_only);
    this.term.options.disableStdin = this.readOnly;
    this.root.dataset.readOnly = String(this.readOnly); // no paste button, no key bar
    this.toolbar.setNote(this.readOnly && !this.guest ? "Read-only view" : "");
    this.owner = hello.owner;
    if (this.guest) {
      this.screen.follow(hello.cols, hello.rows); // the owner's size, as the shell sees it
      this.root.dataset.follows = "true"; // a smaller window scrolls (terminal-share.css)
      this.banner.show(hello);
      this.setLabel(guestLabel(hello));
    } else {
      if (!this.options.server && hello.server) this.setLabel(hello.server);
      // Only our own shells come back after a reload; a share token is never stored.
      remember({ id: this.persistId, mode: this.options.mode, serverId: hello.server_id, sessionId: hello.id, label: this.label });
    }
    this.options.onSession?.(hello);
    this.tools.hello(hello);
    this.badges.show(hello, this.guest);
    if (!this.guest && (hello.cols !== this.term.cols || hello.rows !== this.term.rows)) this.connection.resize(this.term.cols, this.term.rows);
    this.clearOverlay();
    if (this.typeahead && !this.readOnly) this.input.send(this.typeahead);
    this.typeahead = "";
  }

  setLabel(label) {
    this.label = label;
    this.toolbar.setName(label);
    this.options.onTitle?.(label, false);
  }

  stateChanged(name, detail) {
    this.root.dataset.state = name;
    if (name === "reconnecting") {
      this.input.cancel();
      this.showReconnecting(detail);
      return;
    }
    clearInterval(this.countdown);
    this.toolbar.setState(name);
    if (name === "connected" || name === "connecting") this.clearOverlay();
  }

  // A banner's button had the focus ("Reconnect now"): give it back to the shell, not <body>.
  clearOverlay() {
    const hadFocus = this.overlay.contains(document.activeElement);
    this.overlay.replaceChildren();
    if (hadFocus) this.term.focus();
  }

  // The banner while a dropped socket is being replaced; the shell keeps running meanwhile.
  showReconnecting(detail) {
    clearInterval(this.countdown);
    const notice = reconnectingBar(detail, () => {
      this.term.focus(); // the banner, and this button, are about to be replaced
      this.connection.reconnectNow();
    });
    this.overlay.replaceChildren(notice.el);
    this.toolbar.setState("reconnecting");
    this.countdown = setInterval(notice.tick, 1000);
  }

  ended(outcome) {
    clearInterval(this.countdown);
    this.input.cancel();
    forget(this.persistId);
    this.term.options.disableStdin = true;
    this.term.options.cursorBlink = false;
    if (outcome.kind === "unauthorized") {
      sessionLost("Your session ended. Sign in again.");
      return;
    }
    this.tools.ended();
    this.badges.clear();
    if (this.guest) return guestEnded(this, outcome);
    const again = button("Open a new session", () => this.restart(), "btn-primary");
    if (outcome.kind === "failed") {
      this.toolbar.setState("ended", "Not connected");
      this.overlay.replaceChildren(failureCard(outcome, [again]));
      again.textContent = "Try again";
      return;
    }
    this.options.onTitle?.(this.label, true);
    const text =
      outcome.kind === "gone"
        ? "This session ended: it was not reattached within the gateway's grace period, or it was closed elsewhere."
        : `Session ended: ${outcome.reason}.`;
    this.overlay.replaceChildren(bar(outcome.kind === "gone" ? "error" : "info", text, [again]));
  }

  restart() {
    this.connection.dispose({ end: false });
    const server = this.options.server;
    if (!server) {
      this.options.onNewSession?.(); // quick connect: the credentials are gone, ask again
      return;
    }
    this.term.reset();
    this.term.options.disableStdin = false;
    this.term.options.cursorBlink = true;
    this.options.onTitle?.(this.label, false);
    this.persistId = newEntryId();
    this.connect({ serverId: server.id });
    this.term.focus();
  }

  async confirmHostKey(offer) {
    const { card, answer, focus } = hostKeyCard(offer, this.label);
    this.overlay.replaceChildren(card);
    this.toolbar.setState("confirming");
    focus();
    const accepted = await answer;
    card.remove();
    if (accepted) this.term.focus();
    return accepted;
  }

  resized(cols, rows) {
    this.toolbar.setSize(cols, rows);
    // Resizes come in bursts while a window is dragged; the shell needs the last one.
    clearTimeout(this.resizeTimer);
    // A guest never resizes the owner's PTY: the shell is theirs, and so is its size.
    if (!this.guest) this.resizeTimer = setTimeout(() => this.connection.resize(cols, rows), 60);
  }

  // Keys the page takes before xterm sees them; true means "handled, not for the shell".
  key(event) {
    // xterm drops a read-only view's keys (disableStdin) without a word: say why.
    if (this.readOnly && event.key.length === 1 && !event.ctrlKey) this.toolbar.setNote("Read-only view: typing is not sent");
    const mod = event.ctrlKey && event.shiftKey && !event.altKey;
    const code = event.code;
    if (mod && code === "KeyF") {
      event.preventDefault();
      this.find.open();
    } else if (mod && code === "KeyC") {
      event.preventDefault();
      this.screen.copySelection();
    } else if (mod && code === "KeyV") {
      // Not prevented: the browser's own paste event reaches xterm, clipboard permission or not.
    } else if (mod && code === "KeyP") {
      // Left to bubble: the page's command palette opens from inside the terminal too.
    } else if (event.key === "F11" && !event.ctrlKey && !event.altKey && !event.shiftKey) {
      event.preventDefault();
      this.fullscreen();
    } else {
      return false;
    }
    return true;
  }

  // Text from elsewhere in the page (a snippet, see "sshgate:terminal-input" in
  // docs/frontend-plugins.md), typed as a paste. False when it cannot go anywhere now, so
  // that the sender can fall back to the clipboard.
  takeText(text, run) {
    if (this.connection.state !== "connected" || this.readOnly) return false;
    this.term.paste(text);
    if (run) this.term.input("\r", true);
    this.term.focus();
    return true;
  }

  fullscreen() {
    toggleFullscreen(this.root).then(() => this.term.focus());
  }

  activated() {
    this.screen.refit();
    // On touch screens focusing would pop the soft keyboard up at every tab switch.
    if (!window.matchMedia("(pointer: coarse)").matches) this.term.focus();
  }

  // end: close the shell (the tab was closed) or only let go of it (the page is leaving).
  dispose({ end = true } = {}) {
    clearInterval(this.countdown);
    clearTimeout(this.resizeTimer);
    document.removeEventListener("fullscreenchange", this.onFullscreenChange);
    if (end) forget(this.persistId);
    this.input.cancel();
    // Closed while its socket was down (reconnecting): end the shell over REST instead, or it
    // would linger for the grace period.
    const { sessionId, done } = this.connection;
    if (end && !this.guest && sessionId && !done && !this.connection.openSocket()) {
      api.del(`api/terminal/sessions/${encodeURIComponent(sessionId)}`).catch(() => {});
    }
    this.connection.dispose({ end });
    this.find.dispose();
    this.tools.dispose();
    this.screen.dispose();
    this.root.remove();
  }
}
