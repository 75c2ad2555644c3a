// The "recording-player" panel: one recording replayed with the asciinema player. It reads
// the metadata (GET api/recordings/<id>) and the cast (GET .../cast) once, then hands the
// text to the player; changing the speed or "fit to panel" rebuilds the player at the same
// moment, since the player takes both only when it is created. props: { id, t } (t: seconds
// to open at, from a search match or a #recording=<id>&t= link).
import { ApiError, describeError } from "../../app/api.js";
import { h } from "../../app/dom.js";
import { copyText } from "../../app/dialogs.js";
import { dateTime } from "../../app/format.js";
import { completeLines, loadAsciinema } from "./asciinema.js";
import { createControls } from "./controls.js";
import { clockTime, duration, recordingLink, statusClass, statusHint, statusLabel } from "./format.js";

const TICK_MS = 250;
const MODES = { ro: "read-only", rw: "read-write", watch: "watching" };

async function fetchCast(id) {
  const path = `api/recordings/${encodeURIComponent(id)}/cast`;
  const response = await fetch(path, { credentials: "same-origin" });
  if (response.ok) return completeLines(await response.text());
  let problem = {};
  try {
    problem = (await response.json()).error || {};
  } catch {
    // not JSON: the status says enough
  }
  throw new ApiError(response.status, problem.code || `http_${response.status}`, problem.message || `The recording could not be read (HTTP ${response.status}).`);
}

function participantsLine(rec, seek) {
  const people = rec.participants || [];
  if (!people.length) return null;
  const items = people.map((p) =>
    h(
      "li",
      {},
      h("strong", { text: p.user }),
      ` ${MODES[p.mode] || p.mode}, joined `,
      h("button", { class: "link-btn mono", type: "button", title: "Jump to this moment", onclick: () => seek(p.joined), text: clockTime(p.joined) }),
      p.left === null || p.left === undefined ? ", still attached" : `, left at ${clockTime(p.left)}`,
    ),
  );
  return h("div", { class: "rec-participants" }, h("span", { class: "muted", text: "Others in this session:" }), h("ul", { class: "rec-people" }, ...items));
}

function header(rec, copyLink) {
  const facts = [rec.user, rec.server || "quick connect", dateTime(rec.started), duration(rec.duration)];
  if (rec.input) facts.push("keystrokes recorded");
  return h(
    "header",
    { class: "rec-player-head" },
    h(
      "div",
      { class: "rec-player-title" },
      h("h2", { text: rec.title || `${rec.user}@${rec.server}` }),
      h("p", { class: "muted" }, facts.join(" · "), " ", h("span", { class: statusClass(rec.status), title: statusHint(rec.status), text: statusLabel(rec.status) })),
    ),
    h(
      "div",
      { class: "rec-player-actions" },
      h("button", { class: "btn btn-small", type: "button", title: "A link that opens this recording at the current moment", onclick: copyLink, text: "Copy link" }),
      h("a", { class: "btn btn-small", href: `api/recordings/${encodeURIComponent(rec.id)}/download`, download: `${rec.id}.cast`, text: "Download .cast" }),
    ),
  );
}

export class PlayerPanel {
  constructor(el, ctx) {
    this.el = el;
    this.ctx = ctx;
    this.props = ctx.props || {};
    this.speed = 1;
    this.fit = true;
    this.player = null;
    this.playing = false;
    this.time = 0;
    this.disposed = false;
    this.stage = h("div", { class: "rec-stage" });
    this.message = h("p", { class: "rec-message muted", role: "status", text: "Loading the recording…" });
    this.controls = createControls(
      { toggle: () => this.toggle(), seek: (t) => this.seek(t), speed: (v) => this.rebuild({ speed: v }), fit: (on) => this.rebuild({ fit: on }) },
      { speed: this.speed, fit: this.fit },
    );
    this.controls.disable(true);
    this.root = h("div", { class: "rec-player" }, this.stage, this.message, this.controls.el);
    el.append(this.root);
    this.timer = setInterval(() => this.tick(), TICK_MS);
    // The player reads its colours once, when it is made: a theme switch makes it anew.
    this.themeWatch = new MutationObserver(() => this.rebuild({}));
    this.themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  }

  async start() {
    try {
      const [Player, rec, cast] = await Promise.all([loadAsciinema(), this.ctx.api.get(`api/recordings/${encodeURIComponent(this.props.id)}`), fetchCast(this.props.id)]);
      if (this.disposed) return;
      this.Player = Player;
      this.rec = rec;
      this.cast = cast;
      this.ctx.tab.setTitle(`Replay: ${rec.title || rec.server || rec.id}`);
      this.root.prepend(header(rec, () => this.copyLink()));
      const people = participantsLine(rec, (t) => this.seek(t));
      if (people) this.controls.el.after(people);
      this.message.textContent = "";
      this.message.hidden = true;
      const at = typeof this.props.t === "number" ? this.props.t : 0;
      this.create({ startAt: at, autoPlay: !at });
      this.controls.disable(false);
      if (at) this.controls.setJump(at);
    } catch (error) {
      this.message.hidden = false;
      this.message.className = "rec-message form-error";
      this.message.textContent = describeError(error);
    }
  }

  // A new player at startAt; with autoPlay false it shows that moment, paused.
  create({ startAt = 0, autoPlay = false }) {
    this.player?.dispose();
    this.stage.replaceChildren();
    this.stage.dataset.fit = String(this.fit);
    const player = this.Player.create({ data: this.cast }, this.stage, {
      fit: this.fit ? "both" : false,
      speed: this.speed,
      autoPlay,
      preload: true,
      startAt,
      controls: false,
      theme: "sshgate",
      terminalFontFamily: getComputedStyle(document.documentElement).getPropertyValue("--font-mono").trim() || undefined,
    });
    this.player = player;
    this.time = startAt;
    this.setPlaying(autoPlay);
    player.addEventListener("metadata", ({ duration: length }) => this.controls.setDuration(length));
    player.addEventListener("play", () => this.setPlaying(true));
    player.addEventListener("playing", () => this.setPlaying(true));
    player.addEventListener("pause", () => this.setPlaying(false));
    player.addEventListener("ended", () => this.setPlaying(false));
    this.controls.setDuration(this.rec.duration);
    this.controls.setTime(startAt);
    // Not playing: draw the moment asked for instead of the player's start poster.
    if (!autoPlay) player.seek(startAt).catch?.(() => {});
  }

  setPlaying(playing) {
    this.playing = playing;
    this.controls.setPlaying(playing);
  }

  async tick() {
    if (!this.player || this.el.offsetParent === null) return;
    try {
      this.time = await this.player.getCurrentTime();
      this.controls.setTime(this.time);
    } catch {
      // the player is being replaced
    }
  }

  toggle() {
    if (!this.player) return;
    if (this.playing) this.player.pause();
    else this.player.play();
  }

  async seek(seconds) {
    if (!this.player) return;
    const length = this.rec.duration || 0;
    const target = Math.max(0, length ? Math.min(seconds, length) : seconds);
    await this.player.seek(target);
    this.time = target;
    this.controls.setTime(target);
    this.controls.setJump(target);
  }

  async rebuild(changes) {
    if (!this.player) return;
    let at = this.time;
    try {
      at = await this.player.getCurrentTime();
    } catch {
      // keep the last known time
    }
    Object.assign(this, changes);
    this.create({ startAt: at, autoPlay: this.playing });
  }

  // Another search match in the same recording: the tab is reused, the moment changes.
  jumpTo(seconds) {
    if (this.player) this.seek(seconds);
    else this.props.t = seconds;
  }

  // The page's address with "#recording=<id>&t=<now>": whoever opens it (and may see the
  // recording) lands on this moment.
  async copyLink() {
    const { origin, pathname, search } = window.location;
    const link = `${origin}${pathname}${search}${recordingLink(this.props.id, this.time)}`;
    const copied = await copyText(link);
    this.ctx.notify(copied ? "Link to this moment copied." : `Copy this link: ${link}`, copied ? "success" : "info");
  }

  unmount() {
    this.disposed = true;
    clearInterval(this.timer);
    this.themeWatch.disconnect();
    this.player?.dispose();
    this.player = null;
  }
}
