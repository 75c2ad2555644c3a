import { describeError } from "../../app/api.js";
import { READ_ONLY_REASON } from "./actions.js";

// What a drop or a file picker holds, as upload jobs: [{file, relPath}] plus the folders to
// create first (relative paths, parents before children, empty folders included). Folders
// come from DataTransferItem.webkitGetAsEntry(), or from <input webkitdirectory>'s
// webkitRelativePath.

function readAll(reader) {
  // readEntries() answers in batches (100 in Chromium) until it returns an empty one.
  return new Promise((resolve, reject) => {
    const out = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (!batch.length) resolve(out);
        else {
          out.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

function fileOf(entry) {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry, prefix, result) {
  const relPath = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    result.files.push({ file: await fileOf(entry), relPath });
  } else if (entry.isDirectory) {
    result.dirs.push(relPath);
    for (const child of await readAll(entry.createReader())) await walk(child, relPath, result);
  }
}

// Entries must be taken synchronously in the drop handler: the DataTransfer empties after it.
export function takeDrop(dataTransfer) {
  const items = [...(dataTransfer.items || [])].filter((item) => item.kind === "file");
  const entries = items.map((item) => (item.webkitGetAsEntry ? item.webkitGetAsEntry() : null));
  const plain = [...(dataTransfer.files || [])];
  return async () => {
    const result = { files: [], dirs: [] };
    if (entries.length && entries.every(Boolean)) {
      for (const entry of entries) await walk(entry, "", result);
    } else {
      for (const file of plain) result.files.push({ file, relPath: file.name });
    }
    return result;
  };
}

// From <input type=file multiple> or <input webkitdirectory>.
export function fromFileList(fileList) {
  const result = { files: [], dirs: [] };
  const dirs = new Set();
  for (const file of fileList) {
    const relPath = file.webkitRelativePath || file.name;
    const parts = relPath.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
    result.files.push({ file, relPath });
  }
  result.dirs = [...dirs].sort((a, b) => a.split("/").length - b.split("/").length);
  return result;
}

// Whether a drag carries files (not text or a link being dragged around the page).
export function hasFiles(event) {
  return Boolean(event.dataTransfer && [...event.dataTransfer.types].includes("Files"));
}

// The panel as a drop zone: a dashed outline and a hint while files are dragged over it; a
// folder row under the pointer is the target, else the folder on screen.
export function installDropZone(panel) {
  let depth = 0;
  const rowDir = (event) => {
    const row = event.target.closest && event.target.closest("tr.is-dir[data-index]");
    return row ? panel.visible[Number(row.dataset.index)] : null;
  };
  const show = (event) => {
    const dir = panel.readOnly ? null : rowDir(event);
    for (const row of panel.listing.body.querySelectorAll(".drop-target")) row.classList.remove("drop-target");
    if (dir) event.target.closest("tr").classList.add("drop-target");
    panel.dropHint.textContent = panel.readOnly ? READ_ONLY_REASON : `Drop to upload to ${dir ? dir.path : panel.cwd}`;
  };
  const hide = () => {
    depth = 0;
    panel.root.classList.remove("dragging");
    for (const row of panel.listing.body.querySelectorAll(".drop-target")) row.classList.remove("drop-target");
  };
  // On a read-only server the drag is still taken (refused, with the reason), so that the
  // browser does not open the dropped file in place of the page.
  panel.root.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth += 1;
    panel.root.classList.add("dragging");
    show(event);
  });
  panel.root.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = panel.readOnly ? "none" : "copy";
    show(event);
  });
  panel.root.addEventListener("dragleave", () => {
    depth -= 1;
    if (depth <= 0) hide();
  });
  panel.root.addEventListener("drop", async (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    const dir = rowDir(event);
    hide();
    if (panel.readOnly) return panel.ctx.notify(READ_ONLY_REASON, "error");
    const read = takeDrop(event.dataTransfer);
    const base = dir ? dir.path : panel.cwd;
    try {
      await panel.upload(await read(), base);
    } catch (error) {
      panel.ctx.notify(`Could not read what was dropped: ${describeError(error)}`, "error");
    }
  });
}
