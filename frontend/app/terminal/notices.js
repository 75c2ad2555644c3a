// The messages a terminal shows over its screen: reconnecting, ended, could not connect (with
// the gateway's diagnosis: stage and hop), and the quick-connect host-key question. Every
// piece of remote text goes in as text.
import { stageLabel } from "../format.js";
import { h } from "./dom.js";

export function button(label, onclick, kind = "") {
  return h("button", { type: "button", class: `btn btn-small ${kind}`.trim(), onclick }, label);
}

// A bar along the bottom of the screen: the terminal above stays readable (its last lines
// usually say what happened).
export function bar(kind, text, actions = []) {
  return h("div", { class: `term-bar term-bar-${kind}`, role: kind === "error" ? "alert" : "status" }, h("span", { class: "term-bar-text", text }), ...actions);
}

// While a dropped socket is being replaced: a countdown to the next try, and "now".
export function reconnectingBar(detail, onNow) {
  const text = () => {
    const seconds = Math.max(0, Math.ceil((detail.at - Date.now()) / 1000));
    return seconds ? `Connection lost. Reconnecting in ${seconds} s…` : "Connection lost. Reconnecting…";
  };
  const el = bar("warning", text(), [button("Reconnect now", onNow)]);
  return {
    el,
    tick: () => {
      el.firstChild.textContent = text();
    },
  };
}

// The card for a session that never started; ssh_failed carries where it broke.
export function failureCard(outcome, actions) {
  const error = outcome.error || {};
  const diagnosis = error.diagnosis || null;
  const headline = diagnosis ? stageLabel(diagnosis.stage) : "Could not open the terminal";
  const where = diagnosis && diagnosis.hop_name ? `At ${diagnosis.hop_name}${diagnosis.hop ? ` (hop ${diagnosis.hop})` : ""}.` : "";
  const hops = (diagnosis && diagnosis.hops) || [];
  return h(
    "div",
    { class: "term-card test-result failed", role: "alert", "aria-label": "Connection failed" },
    h("p", { class: "test-headline", text: headline }),
    h("p", { class: "test-message", text: outcome.reason || error.message || "" }),
    where ? h("p", { class: "muted", text: where }) : null,
    hops.length
      ? h(
          "ol",
          { class: "hops" },
          hops.map((hop) =>
            h("li", { class: hop.ok ? "hop ok" : "hop failed" }, h("span", { text: `${hop.name} (${hop.host}:${hop.port})` }), h("span", { class: "muted", text: `${Math.round(hop.ms)} ms` })),
          ),
        )
      : null,
    h("div", { class: "row" }, actions),
  );
}

// Quick connect: the host's key before any credential is sent (docs/protocol.md). Resolves
// true when the person trusts it.
export function hostKeyCard(offer, label) {
  let settle;
  const answer = new Promise((resolve) => {
    settle = resolve;
  });
  const trust = button("Trust and connect", () => settle(true), "btn-primary");
  const card = h(
    "div",
    { class: "term-card term-hostkey", role: "alertdialog", "aria-label": "Confirm the host key" },
    h("h3", { text: offer.changed ? "The host key changed" : "Is this the right server?" }),
    h("p", { text: `${label} presented this ${offer.key_type || "host"} key. Compare its fingerprint with the one the server's administrator gave you before you send a password or key.` }),
    h("p", { class: "mono wrap term-fingerprint", text: offer.fingerprint }),
    h("div", { class: "row" }, trust, button("Cancel", () => settle(false))),
  );
  return { card, answer, focus: () => trust.focus() };
}
