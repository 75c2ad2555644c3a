// The player's control strip: play/pause, the position (a slider and "0:12 / 5:00"), jump to
// a time, speed (0.5× to 4×) and "fit to panel". It only draws and reports what a person
// asked for; player.js does it. Built with h() (text through textContent), no Alpine.
import { h, makeIcon } from "../../app/dom.js";
import { clockTime, parseTime } from "./format.js";

export const SPEEDS = [0.5, 1, 1.5, 2, 4];
const PLAY = ["M8 5v14l11-7z"];
const PAUSE = ["M8 5v14M16 5v14"];
let made = 0;

function speedLabel(speed) {
  return `${speed}\u00d7`;
}

// on: { toggle(), seek(seconds), speed(value), fit(on) }
export function createControls(on, { speed = 1, fit = true } = {}) {
  made += 1;
  const id = (name) => `rec-${name}-${made}`;
  const playButton = h("button", { class: "btn btn-primary rec-play", type: "button", "aria-label": "Play", title: "Play (Space)", onclick: () => on.toggle() }, makeIcon(PLAY));
  const position = h("input", { class: "rec-position", type: "range", min: "0", max: "0", step: "0.1", value: "0", "aria-label": "Position" });
  const clock = h("span", { class: "rec-clock mono", "aria-live": "off", text: "0:00 / 0:00" });
  let dragging = false;
  position.addEventListener("input", () => {
    dragging = true;
    clock.textContent = `${clockTime(Number(position.value))} / ${clockTime(Number(position.max))}`;
  });
  position.addEventListener("change", () => {
    dragging = false;
    on.seek(Number(position.value));
  });

  const jumpInput = h("input", { id: id("jump"), class: "rec-jump-input mono", type: "text", inputmode: "decimal", placeholder: "m:ss", autocomplete: "off", "aria-describedby": id("jump-error") });
  const jumpError = h("span", { id: id("jump-error"), class: "rec-jump-error", role: "alert" });
  const jump = h(
    "form",
    {
      class: "rec-jump",
      onsubmit: (event) => {
        event.preventDefault();
        const seconds = parseTime(jumpInput.value);
        jumpError.textContent = seconds === null ? "Type a time like 90, 1:30 or 1:02:05." : "";
        jumpInput.setAttribute("aria-invalid", String(seconds === null));
        if (seconds !== null) on.seek(seconds);
      },
    },
    h("label", { for: id("jump"), text: "Jump to" }),
    jumpInput,
    h("button", { class: "btn btn-small", type: "submit", text: "Go" }),
    jumpError,
  );

  const speedSelect = h("select", { id: id("speed"), class: "rec-speed", onchange: () => on.speed(Number(speedSelect.value)) }, ...SPEEDS.map((value) => h("option", { value: String(value), selected: value === speed, text: speedLabel(value) })));
  const fitBox = h("input", { id: id("fit"), type: "checkbox", checked: fit, onchange: () => on.fit(fitBox.checked) });

  const el = h(
    "div",
    { class: "rec-controls", role: "toolbar", "aria-label": "Player" },
    h("div", { class: "rec-controls-main" }, playButton, clock, position),
    h(
      "div",
      { class: "rec-controls-more" },
      jump,
      h("span", { class: "rec-field" }, h("label", { for: id("speed"), text: "Speed" }), speedSelect),
      h("span", { class: "rec-field rec-check" }, fitBox, h("label", { for: id("fit"), text: "Fit to panel" })),
    ),
  );

  return {
    el,
    setPlaying(playing) {
      const label = playing ? "Pause" : "Play";
      playButton.setAttribute("aria-label", label);
      playButton.title = `${label} (Space)`;
      playButton.replaceChildren(makeIcon(playing ? PAUSE : PLAY));
      el.dataset.playing = String(playing);
    },
    setDuration(seconds) {
      position.max = String(Math.max(0, seconds || 0));
    },
    setTime(seconds) {
      if (dragging) return; // do not pull the knob away from under the pointer
      position.value = String(seconds || 0);
      clock.textContent = `${clockTime(seconds)} / ${clockTime(Number(position.max))}`;
    },
    setJump(seconds) {
      jumpInput.value = clockTime(seconds);
    },
    disable(disabled) {
      for (const control of el.querySelectorAll("button, input, select")) control.disabled = disabled;
    },
  };
}
