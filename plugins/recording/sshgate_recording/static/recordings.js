// The recording plugin's front end: the Recordings screen (menu and palette), the replay
// panel, and the "● REC" badge in every terminal's toolbar while the gateway records
// sessions. Loaded by the page from the plugin's extra_js_urls hook; the styles come from
// recordings.css (extra_css_urls).
import { registerPlugin } from "../../app/plugins.js";
import { openPendingLink, PLAYER, trackPlayer } from "./open.js";
import { PlayerPanel } from "./player.js";
import { mountRecordings } from "./screen.js";

// GET api/config's extra.recording: {enabled, input, mode}.
function settings(ctx) {
  return ctx.config()?.extra?.recording || {};
}

function badgeTitle(ctx) {
  const { input, mode } = settings(ctx);
  const what = input
    ? "This session is recorded: what it shows and what you type, except at password prompts."
    : "This session is recorded: what it shows, not what you type.";
  return mode === "strict" ? `${what} If recording fails, the session is ended.` : what;
}

const open = (ctx) => ctx.openPanel("recordings");

registerPlugin("recording", {
  panels: [
    { id: "recordings", title: "Recordings", single: true, alpine: true, mount: mountRecordings },
    {
      id: PLAYER,
      title: "Replay",
      tabTitle: (server, props) => `Replay: ${props.id}`,
      mount(el, ctx) {
        if (!ctx.props?.id) throw new Error("Choose a recording in the Recordings screen.");
        const panel = new PlayerPanel(el, ctx);
        const untrack = trackPlayer(ctx.props.id, panel);
        panel.start();
        return {
          unmount() {
            untrack();
            panel.unmount();
          },
        };
      },
    },
  ],
  menuItems: [{ id: "recordings", label: "Recordings", run: open }],
  paletteCommands: [{ id: "recordings", label: "Recordings: replay and search terminal sessions", run: open }],
  terminalBadges: [
    {
      id: "recording",
      label: "\u25cf REC",
      kind: "danger",
      // While recording is on, every session is recorded, whoever views it.
      when: (terminal, ctx) => Boolean(settings(ctx).enabled),
      title: (terminal, ctx) => badgeTitle(ctx),
    },
  ],
  setup(ctx) {
    openPendingLink(ctx);
  },
});
