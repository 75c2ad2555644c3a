// Small DOM and formatting helpers for the file browser. The panel keeps Alpine out of its
// DOM (x-ignore), so it builds nodes by hand; every name, owner and message from the server
// goes in through textContent, never innerHTML.
import { h, makeIcon } from "../../app/dom.js";
import { formatBytes } from "../../app/format.js";

export { formatBytes, h };

// 24x24 stroke icons, drawn like the rest of the page (base.css styles svg).
const PATHS = {
  up: ["M12 19V5", "M6 11l6-6 6 6"],
  refresh: ["M20 11a8 8 0 1 0-2.3 5.7", "M20 5v6h-6"],
  folder: ["M3 6.5A1.5 1.5 0 0 1 4.5 5H9l2 2h8.5A1.5 1.5 0 0 1 21 8.5v9a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5z"],
  file: ["M6 3h8l4 4v14H6z", "M14 3v4h4"],
  link: ["M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1", "M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1"],
  other: ["M6 3h12v18H6z", "M10 12h4"],
  upload: ["M12 16V4", "M7 9l5-5 5 5", "M4 20h16"],
  download: ["M12 4v12", "M7 11l5 5 5-5", "M4 20h16"],
  newFolder: ["M3 6.5A1.5 1.5 0 0 1 4.5 5H9l2 2h8.5A1.5 1.5 0 0 1 21 8.5v9a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5z", "M12 10v6M9 13h6"],
  eye: ["M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z", "circle:12,12,3"],
  edit: ["M4 20h4L19 9l-4-4L4 16z", "M13 7l4 4"],
  close: ["M6 6l12 12M18 6L6 18"],
  pencil: ["M4 20h4L19 9l-4-4L4 16z"],
  filter: ["M4 5h16l-6 7v6l-4 2v-8z"],
  lock: ["M6 11h12v9H6z", "M8 11V8a4 4 0 0 1 8 0v3"],
  save: ["M5 4h11l3 3v13H5z", "M8 4v5h7V4", "M8 20v-6h8v6"],
  chevron: ["M9 6l6 6-6 6"],
};

export function icon(name) {
  return makeIcon(PATHS[name] || []);
}

// An icon-only button: the label is the accessible name and the tooltip.
export function iconButton(name, label, onclick, extra = {}) {
  return h("button", { class: "icon-btn", type: "button", "aria-label": label, title: label, onclick, ...extra }, icon(name));
}


const pad = (n) => String(n).padStart(2, "0");
// Epoch seconds as "2026-11-27 09:55" in the reader's time zone.
export function formatTime(epoch) {
  if (epoch === null || epoch === undefined) return "";
  const d = new Date(Number(epoch) * 1000);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// POSIX path helpers: the server's paths are absolute, "/" separated.
export function joinPath(dir, name) {
  if (!dir || dir === ".") return name;
  return dir.endsWith("/") ? `${dir}${name}` : `${dir}/${name}`;
}

export function baseName(path) {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  return trimmed.slice(trimmed.lastIndexOf("/") + 1) || trimmed;
}

export function dirName(path) {
  const index = path.replace(/\/+$/, "").lastIndexOf("/");
  return index <= 0 ? "/" : path.slice(0, index);
}

// "/srv/www/app" -> [["/", "/"], ["srv", "/srv"], ["www", "/srv/www"], ["app", "/srv/www/app"]]
export function crumbs(path) {
  const parts = path.split("/").filter(Boolean);
  const out = [["/", "/"]];
  let acc = "";
  for (const part of parts) {
    acc += `/${part}`;
    out.push([part, acc]);
  }
  return out;
}

const IMAGE = /\.(png|jpe?g|gif|webp)$/i;
export function previewKind(name) {
  if (IMAGE.test(name)) return "image";
  if (/\.pdf$/i.test(name)) return "pdf";
  return null;
}

// Whether a key event is the platform's "command" modifier (Ctrl, or Cmd on a Mac).
export function isMod(event) {
  return event.ctrlKey || event.metaKey;
}
