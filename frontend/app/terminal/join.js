// Opening a share link (SHARE-1). The link is the app's address with the token in the
// fragment (#join=<token>): browsers never send a fragment to a server, so no access log or
// proxy records it. This module takes the token out of the address bar at once
// (history.replaceState), so that it is not kept in the history, a bookmark or a reload,
// holds it in memory through the sign-in if one is needed, then opens a terminal tab that
// sends it as the join socket's first message (connection.js). It is never stored.
import Alpine from "../../vendor/alpine/alpine.esm.min.js";
import { makeContext } from "../context.js";
import { store } from "../store.js";

const FRAGMENT = /^#join=([A-Za-z0-9_-]{8,200})$/;
let pending = null;
let watching = false;

function takeFragment() {
  const match = FRAGMENT.exec(window.location.hash);
  if (!match) return null;
  const { pathname, search } = window.location;
  window.history.replaceState(window.history.state, "", `${pathname}${search}`);
  return match[1];
}

pending = takeFragment();

function openJoin(ctx, token) {
  return ctx.openPanel("terminal", { props: { join: token, label: "shared session" }, title: "Shared: joining…" });
}

function consume(ctx) {
  if (!pending || store().screen !== "app") return;
  const token = pending;
  pending = null;
  openJoin(ctx, token);
}

// A link pasted into the address bar of a page that is already open changes only the
// fragment: no reload, so listen for it.
window.addEventListener("hashchange", () => {
  const token = takeFragment();
  if (!token) return;
  pending = token;
  consume(makeContext());
});

// From the terminal plugin's setup (after the first sign-in, once its tabs are restored):
// open the link the page was loaded with, and any that arrives while signed out later.
export function joinPending(ctx) {
  consume(ctx);
  if (watching) return;
  watching = true;
  Alpine.effect(() => {
    if (store().screen === "app") consume(makeContext());
  });
}
