// Small labels that other modules put into the terminal's toolbar (the terminalBadges slot of
// registerPlugin, docs/frontend-plugins.md): "● REC" when the gateway records sessions, say.
// They are worked out when the shell's hello arrives, because only then is it known which
// session this view shows, and whose; they go away when the session ends.
import { makeContext } from "../context.js";
import { contributions } from "../plugins.js";
import { h } from "./dom.js";

const KINDS = new Set(["info", "warning", "danger"]);

// What a badge's when(terminal, ctx) is told about this view.
function describe(hello, guest) {
  return {
    sessionId: hello.id,
    serverId: hello.server_id ?? null,
    server: hello.server || "",
    owner: hello.owner || "",
    readOnly: Boolean(hello.read_only),
    guest: Boolean(guest),
  };
}

function badgeNode(badge, terminal, ctx) {
  const kind = KINDS.has(badge.kind) ? badge.kind : "info";
  const title = typeof badge.title === "function" ? badge.title(terminal, ctx) : badge.title;
  const tip = typeof title === "string" ? title : "";
  // The label is what the eye sees; a screen reader hears the tooltip's sentence instead of
  // a symbol like "●".
  return h(
    "span",
    { class: `term-badge term-badge-${kind}`, "data-badge": badge.id, title: tip || badge.label },
    h("span", { "aria-hidden": tip ? "true" : undefined, text: badge.label }),
    tip ? h("span", { class: "sr-only", text: tip }) : null,
  );
}

export function createBadges() {
  const el = h("span", { class: "term-badges" });
  return {
    el,
    show(hello, guest) {
      const terminal = describe(hello, guest);
      const ctx = makeContext();
      const nodes = [];
      for (const badge of contributions("terminalBadges")) {
        try {
          if (typeof badge.when !== "function" || badge.when(terminal, ctx)) nodes.push(badgeNode(badge, terminal, ctx));
        } catch (error) {
          // One plugin's broken rule must not take the terminal down with it.
          console.warn(`plugin ${badge.plugin}: terminal badge ${badge.id} failed`, error);
        }
      }
      el.replaceChildren(...nodes);
    },
    clear() {
      el.replaceChildren();
    },
  };
}
