// A terminal tab that is not the owner's: a joiner who came through a share link (read-only
// or read-write) or an administrator watching. The banner says whose shell it is and what
// typing does, so that nobody mistakes someone else's session for their own; the endings say
// why the view stopped (removed, link revoked, session over) in words.
import { h } from "./dom.js";
import { bar, button, failureCard } from "./notices.js";

export function guestKind(target) {
  if (target.join) return "join";
  if (target.watch) return "watch";
  return null;
}

// The strip under the toolbar, filled once the hello says whose session this is.
export function createBanner() {
  const text = h("span", { class: "term-banner-text" });
  const el = h("div", { class: "term-banner", role: "status", hidden: true }, text);
  return {
    el,
    show(hello) {
      const owner = hello.owner || "someone";
      el.dataset.mode = hello.read_only ? "ro" : "rw";
      text.textContent = hello.read_only
        ? `Read-only: you are watching ${owner}'s session. What you type is not sent.`
        : `Shared session: you are typing into ${owner}'s shell, and ${owner} sees everything.`;
      el.hidden = false;
    },
    hide() {
      el.hidden = true;
    },
  };
}

// The tab title's label: the server, and whose session it is.
export function guestLabel(hello) {
  return hello.owner ? `${hello.server} (${hello.owner})` : hello.server;
}

function endText(outcome, owner) {
  // A username keeps its case, even at the start of a sentence.
  const whose = owner ? `${owner}'s session` : "";
  if (outcome.kind === "removed") {
    return /revoked/.test(outcome.reason || "")
      ? `The share link was revoked: you are no longer connected to ${whose || "the shared session"}.`
      : `You were removed from ${whose || "the shared session"} by its owner.`;
  }
  if (outcome.kind === "gone") return `${whose || "The shared session"} has ended.`;
  return `${whose || "The shared session"} ended: ${outcome.reason}.`;
}

// A guest's connection ended for good: the banner gives way to a bar saying why, over the
// screen. Never "open a new session": the shell was not ours to open.
export function guestEnded(view, outcome) {
  view.banner.hide();
  view.toolbar.setNote("");
  view.toolbar.setState("ended", outcome.kind === "failed" ? "Not connected" : "Ended");
  view.options.onTitle?.(view.label, true);
  view.overlay.replaceChildren(guestEnding(outcome, view.owner, () => view.options.onClose?.()));
}

function guestEnding(outcome, owner, onClose) {
  const close = button("Close tab", onClose);
  if (outcome.kind === "failed") {
    const card = failureCard({ ...outcome, reason: outcome.reason || "This share link cannot be used." }, [close]);
    card.querySelector(".test-headline").textContent = "Could not join the shared session";
    return card;
  }
  const kind = outcome.kind === "exit" ? "info" : "error";
  return bar(kind, endText(outcome, owner), [close]);
}
