// Opening a recording in the player: from the table, from an output-search match (at that
// moment), or from a "#recording=<id>&t=<seconds>" link in the address bar. One tab per
// recording: opening it again focuses that tab and moves it to the new moment.
import Alpine from "../../vendor/alpine/alpine.esm.min.js";
import { makeContext } from "../../app/context.js";
import { store } from "../../app/store.js";
import { parseRecordingLink } from "./format.js";

export const PLAYER = "recording-player";
const open = new Map(); // recording id -> its PlayerPanel, while its tab exists

export function trackPlayer(id, panel) {
  open.set(id, panel);
  return () => {
    if (open.get(id) === panel) open.delete(id);
  };
}

// Where a match was printed: a moment just after it, so that the text is already on screen.
const AFTER = 0.05;

export async function openRecording(ctx, rec, time) {
  const at = typeof time === "number" ? time + AFTER : null;
  const existing = open.get(rec.id);
  if (existing && at !== null) existing.jumpTo(at);
  const title = `Replay: ${rec.title || rec.server || rec.id}`;
  return ctx.openPanel(PLAYER, { props: { id: rec.id, t: at }, title, key: `recording:${rec.id}` });
}

// A link in the address bar: taken out at once (history.replaceState), kept until the user is
// signed in, then opened.
let pending = null;

function takeFragment() {
  const link = parseRecordingLink(window.location.hash);
  if (!link) return null;
  const { pathname, search } = window.location;
  window.history.replaceState(window.history.state, "", `${pathname}${search}`);
  return link;
}

function consume(ctx) {
  if (!pending || store().screen !== "app") return;
  const { id, t } = pending;
  pending = null;
  openRecording(ctx, { id }, t);
}

pending = takeFragment();
window.addEventListener("hashchange", () => {
  const link = takeFragment();
  if (!link) return;
  pending = link;
  consume(makeContext());
});

let watching = false;
export function openPendingLink(ctx) {
  consume(ctx);
  if (watching) return;
  watching = true;
  Alpine.effect(() => {
    if (store().screen === "app") consume(makeContext());
  });
}
