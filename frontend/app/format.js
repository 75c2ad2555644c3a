// Small formatting helpers shared by screens. Everything returns plain strings that the
// templates render with x-text, never HTML.

const pad = (n) => String(n).padStart(2, "0");

export function clock(date) {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) return "";
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

// "2026-11-27 09:55" in the reader's time zone; empty for missing values.
export function dateTime(value) {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function relative(value) {
  if (!value) return "never";
  const seconds = Math.round((Date.now() - new Date(value).getTime()) / 1000);
  if (Number.isNaN(seconds)) return "";
  const future = seconds < 0;
  const s = Math.abs(seconds);
  const [amount, unit] =
    s < 60 ? [s, "s"] : s < 3600 ? [Math.round(s / 60), "min"] : s < 86400 ? [Math.round(s / 3600), "h"] : [Math.round(s / 86400), "d"];
  if (s < 10) return "just now";
  return future ? `in ${amount} ${unit}` : `${amount} ${unit} ago`;
}

// An event's own fields as "key=value, ..." for one log line.
export function summarize(properties) {
  if (!properties || typeof properties !== "object") return "";
  return Object.entries(properties)
    .filter(([, value]) => value !== null && value !== undefined && value !== "" && !(Array.isArray(value) && !value.length))
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(",") : typeof value === "object" ? JSON.stringify(value) : value}`)
    .join("  ");
}

// "<input type=datetime-local>" value (local time, no zone) to ISO 8601 with the zone.
export function localInputToIso(value) {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString();
}

// The connector's diagnosis stages (core/sshgate/ssh/diagnosis.py), in words: shared by
// the connection test and the terminal's failure card.
const STAGES = {
  ok: "Connection works",
  chain_invalid: "Jump chain is invalid",
  vetoed: "Refused by a policy",
  credentials_unreadable: "Stored credentials cannot be used",
  key_passphrase: "Key passphrase is wrong",
  dns: "Host name not found",
  tcp_refused: "Connection refused",
  tcp_unreachable: "Host unreachable",
  timeout: "Timed out",
  host_key_unknown: "Host key not trusted yet",
  host_key_changed: "Host key changed",
  auth_failed: "Authentication failed",
  protocol: "SSH error",
};

export function stageLabel(stage) {
  return STAGES[stage] || stage;
}

// Byte counts in binary units ("68.4 KiB"); "" for a missing value.
const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];
export function formatBytes(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "";
  let n = Number(value);
  let unit = 0;
  while (n >= 1024 && unit < BYTE_UNITS.length - 1) {
    n /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${n} B` : `${n.toFixed(n < 10 ? 1 : 0)} ${BYTE_UNITS[unit]}`;
}
