// Formatting and parsing for the recording screens: durations, player times, statuses and
// the links that open the player at a moment. Everything returns plain strings, which the
// screens render as text (x-text, textContent), never as HTML.

const pad = (n) => String(n).padStart(2, "0");

// 75.4 -> "1:15", 3725 -> "1:02:05": how long a recording runs, or where the player is.
export function clockTime(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) return "0:00";
  const s = Math.floor(seconds);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = `${pad(s % 60)}`;
  return hours ? `${hours}:${pad(minutes)}:${rest}` : `${minutes}:${rest}`;
}

// A duration in words for the table: "42 s", "5 min 3 s", "2 h 4 min".
export function duration(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return "–";
  const s = Math.floor(seconds); // as the player's clock counts
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const minutes = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h${minutes ? ` ${minutes} min` : ""}`;
}

// What a person types into "Jump to": "90", "1:30", "1:02:05" or "12.5"; null if not a time.
export function parseTime(text) {
  const value = String(text ?? "").trim();
  if (!/^\d+(\.\d+)?$|^\d+(:[0-5]?\d){1,2}(\.\d+)?$/.test(value)) return null;
  return value.split(":").reduce((total, part) => total * 60 + Number(part), 0);
}

export const STATUS_LABELS = {
  recording: "Recording",
  complete: "Complete",
  incomplete: "Incomplete",
  truncated: "Truncated",
  failed: "Failed",
};

const STATUS_HINTS = {
  recording: "The session is still running; the recording grows while it does.",
  complete: "Recorded from start to end.",
  incomplete: "The gateway stopped before the session ended; what was written can be replayed.",
  truncated: "Writing failed during the session (a full disk, say); the end is missing.",
  failed: "The recording could not be written.",
};

export function statusLabel(status) {
  return STATUS_LABELS[status] || String(status || "unknown");
}

export function statusHint(status) {
  return STATUS_HINTS[status] || "";
}

export function statusClass(status) {
  const kind = { recording: "badge", complete: "badge badge-ok", incomplete: "badge badge-warning", truncated: "badge badge-warning", failed: "badge badge-danger" };
  return `${kind[status] || "badge badge-warning"} rec-status`;
}

// Links to a recording, optionally at a moment: "#recording=<id>&t=12.3". A fragment, so the
// page opens the player itself (recordings.js reads it) and no server log records it.
const LINK = /^#recording=([A-Za-z0-9_.:-]{1,200})(?:&t=(\d+(?:\.\d+)?))?$/;

export function recordingLink(id, time) {
  const at = typeof time === "number" && time > 0 ? `&t=${Math.round(time * 10) / 10}` : "";
  return `#recording=${encodeURIComponent(id)}${at}`;
}

export function parseRecordingLink(hash) {
  const match = LINK.exec(hash || "");
  return match ? { id: match[1], t: match[2] === undefined ? null : Number(match[2]) } : null;
}
