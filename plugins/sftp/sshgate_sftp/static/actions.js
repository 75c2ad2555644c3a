// What the panel does to entries: open, download (one file natively, several as a ZIP),
// rename, delete (with a confirmation that names the count), chmod and new folder. Each
// reports the API's own message when the server refuses.
import { csrfToken, describeError } from "../../app/api.js";
import { dirName, joinPath, previewKind } from "./dom.js";
import { chmodDialog, promptName } from "./dialogs.js";
import { saveUrl, saveZipByPost } from "./fileapi.js";
import { isDir } from "./listing.js";
import { openPreview } from "./preview.js";

export const READ_ONLY_REASON = "This server is read-only (SFTP read-only is set in its settings).";

function fail(panel, what, error) {
  panel.ctx.notify(`${what}: ${describeError(error)}`, "error");
}

export function openEntry(panel, entry) {
  if (!entry || entry.undecodable) return;
  if (isDir(entry)) {
    panel.navigate(entry.path);
  } else if (previewKind(entry.name)) {
    openPreview(panel.root, panel.api, entry);
  } else {
    editEntry(panel, entry);
  }
}

export function editEntry(panel, entry) {
  return panel.ctx.openPanel("sftp-editor", {
    server: panel.ctx.server,
    props: { path: entry.path, readOnly: panel.readOnly },
    key: `sftp-editor:${panel.ctx.server.id}:${entry.path}`,
    title: `Edit: ${entry.name}`,
  });
}

// One regular file: a plain download link. Folders or several entries: one ZIP.
export async function download(panel, entries, { zip = false } = {}) {
  if (!entries.length) return;
  if (!zip && entries.length === 1 && !isDir(entries[0])) {
    saveUrl(panel.api.downloadUrl(entries[0].path), entries[0].name);
    return;
  }
  const paths = entries.map((entry) => entry.path);
  if (panel.api.zipFitsUrl(paths)) {
    saveUrl(panel.api.zipUrl(paths));
    return;
  }
  try {
    panel.ctx.notify(`Preparing a ZIP of ${paths.length} items…`, "info");
    await saveZipByPost(panel.api, paths, csrfToken());
  } catch (error) {
    fail(panel, "The ZIP download failed", error);
  }
}

export async function rename(panel, entry) {
  const renamed = await promptName(panel.root, {
    title: `Rename ${entry.name}`,
    label: "New name",
    value: entry.name,
    confirmLabel: "Rename",
    selectStem: !isDir(entry),
    submit: async (name) => {
      if (name === entry.name) return null;
      const to = joinPath(dirName(entry.path), name);
      try {
        return await panel.api.rename(entry.path, to);
      } catch (error) {
        if (error.code !== "exists") throw error;
        const replace = await panel.ctx.confirm({ title: `Replace ${name}?`, message: `${name} already exists in this folder. Replace it with ${entry.name}?`, confirmLabel: "Replace", danger: true });
        if (!replace) throw new Error(`${name} already exists: choose another name.`);
        return panel.api.rename(entry.path, to, true);
      }
    },
  });
  if (renamed && renamed.path) await panel.refresh({ select: [renamed.path] });
}

export async function remove(panel, entries) {
  if (!entries.length) return;
  const folders = entries.filter((entry) => entry.type === "dir").length;
  const count = entries.length;
  const what = count === 1 ? `“${entries[0].name}”` : `${count} items`;
  const names = entries.slice(0, 5).map((entry) => entry.name).join(", ") + (count > 5 ? `, and ${count - 5} more` : "");
  const ok = await panel.ctx.confirm({
    title: `Delete ${what}?`,
    message: `${names}.${folders ? " Folders are deleted with everything in them." : ""} This cannot be undone.`,
    confirmLabel: count === 1 ? "Delete" : `Delete ${count} items`,
    danger: true,
  });
  if (!ok) return;
  try {
    const answer = await panel.api.remove(entries.map((entry) => entry.path), folders > 0);
    panel.ctx.notify(`Deleted ${answer.deleted} ${answer.deleted === 1 ? "entry" : "entries"}.`, "success");
  } catch (error) {
    fail(panel, "Delete failed", error);
  }
  panel.selection.clear();
  await panel.refresh();
}

export async function chmod(panel, entries) {
  if (!entries.length) return;
  const first = entries[0];
  const title = entries.length === 1 ? `Permissions of ${first.name}` : `Permissions of ${entries.length} items`;
  const note = entries.length > 1 ? `Applied to each of the ${entries.length} selected items; shown: ${first.name}.` : `Now ${first.mode} (${first.permissions}).`;
  const done = await chmodDialog(panel.root, {
    title,
    mode: first.mode,
    note,
    submit: async (mode) => {
      for (const entry of entries) await panel.api.chmod(entry.path, mode);
      return mode;
    },
  });
  if (done) await panel.refresh({ select: entries.map((entry) => entry.path) });
}

export async function newFolder(panel) {
  const made = await promptName(panel.root, {
    title: "New folder",
    label: `Name (in ${panel.cwd})`,
    confirmLabel: "Create",
    submit: (name) => panel.api.mkdir(joinPath(panel.cwd, name)),
  });
  if (made && made.path) await panel.refresh({ select: [made.path] });
}

// Folders of a drop or a folder pick, parents first; one that exists already is fine.
export async function makeFolders(panel, base, dirs) {
  for (const rel of dirs) {
    try {
      await panel.api.mkdir(joinPath(base, rel));
    } catch (error) {
      if (error.code !== "exists") {
        fail(panel, `Could not create ${rel}`, error);
        return false;
      }
    }
  }
  return true;
}
