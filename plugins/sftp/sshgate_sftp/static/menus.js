// What the context menu and the Upload button offer for a set of entries. Write actions on a
// read-only server stay in the menu, disabled, with the reason as their tooltip.
import * as actions from "./actions.js";
import { previewKind } from "./dom.js";
import { isDir } from "./listing.js";

export function uploadMenu(panel) {
  const off = panel.readOnly ? { disabled: true, reason: actions.READ_ONLY_REASON } : {};
  return [
    { id: "upload-files", label: "Upload files…", run: () => panel.pick(false), ...off },
    { id: "upload-folder", label: "Upload a folder…", run: () => panel.pick(true), ...off },
  ];
}

export function entryMenu(panel, entries) {
  const off = panel.readOnly ? { disabled: true, reason: actions.READ_ONLY_REASON } : {};
  const items = [];
  if (entries.length === 1) {
    const entry = entries[0];
    const unusable = entry.undecodable ? { disabled: true, reason: "This name is not valid in the server's encoding." } : {};
    if (isDir(entry)) items.push({ id: "open", label: "Open", hint: "Enter", run: () => actions.openEntry(panel, entry), ...unusable });
    else {
      if (previewKind(entry.name)) items.push({ id: "preview", label: "Preview", hint: "Enter", run: () => actions.openEntry(panel, entry), ...unusable });
      items.push({ id: "edit", label: panel.readOnly ? "View" : "Edit", hint: previewKind(entry.name) ? null : "Enter", run: () => actions.editEntry(panel, entry), ...unusable });
    }
  }
  if (entries.length) {
    const onlyFile = entries.length === 1 && !isDir(entries[0]);
    if (onlyFile) items.push({ id: "download", label: "Download", run: () => actions.download(panel, entries) });
    items.push({ id: "zip", label: entries.length === 1 ? "Download as ZIP" : `Download ${entries.length} items as ZIP`, run: () => actions.download(panel, entries, { zip: true }) });
    items.push("-");
    if (entries.length === 1) items.push({ id: "rename", label: "Rename…", hint: "F2", run: () => actions.rename(panel, entries[0]), ...off });
    items.push({ id: "chmod", label: "Permissions…", run: () => actions.chmod(panel, entries), ...off });
    items.push({ id: "delete", label: entries.length === 1 ? "Delete" : `Delete ${entries.length} items`, hint: "Del", danger: true, run: () => actions.remove(panel, entries), ...off });
    items.push("-");
  }
  items.push({ id: "mkdir", label: "New folder…", run: () => actions.newFolder(panel), ...off });
  items.push(...uploadMenu(panel));
  items.push({ id: "refresh", label: "Refresh", run: () => panel.refresh() });
  return items;
}
