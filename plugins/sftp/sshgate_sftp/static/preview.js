// Image and PDF preview in a dialog, from the download endpoint's ?inline=1 (which serves
// only PNG, JPEG, GIF, WebP and PDF inline, when the extension and the first bytes agree,
// under a "default-src 'none'" CSP). Anything else stays a download.
import { formatBytes, h, icon, previewKind } from "./dom.js";
import { saveUrl } from "./fileapi.js";

export function openPreview(host, api, entry) {
  const kind = previewKind(entry.name);
  const url = api.downloadUrl(entry.path, true);
  const status = h("p", { class: "files-preview-status muted", role: "status", text: "Loading…" });
  let media;
  if (kind === "image") {
    media = h("img", { class: "files-preview-image", alt: entry.name, src: url });
    media.addEventListener("load", () => {
      status.textContent = `${media.naturalWidth} × ${media.naturalHeight} px · ${formatBytes(entry.size)}`;
    });
    media.addEventListener("error", () => {
      status.textContent = "This image cannot be shown: it may not be what its name says. Download it instead.";
      status.classList.add("files-preview-failed");
      media.hidden = true;
    });
  } else {
    media = h("iframe", { class: "files-preview-pdf", title: entry.name, src: url });
    status.textContent = formatBytes(entry.size);
  }
  const close = h("button", { type: "button", class: "icon-btn", "aria-label": "Close preview", title: "Close" }, icon("close"));
  const download = h("button", { type: "button", class: "btn btn-small" }, icon("download"), "Download");
  const head = h(
    "div",
    { class: "dialog-head files-preview-head" },
    h("h2", { class: "files-preview-title", text: entry.name, title: entry.path }),
    h("div", { class: "row" }, download, kind === "pdf" ? h("a", { class: "btn btn-small", href: url, target: "_blank", rel: "noopener", text: "Open in new tab" }) : null, close),
  );
  const dialog = h(
    "dialog",
    { class: "dialog dialog-wide files-preview", "aria-label": `Preview of ${entry.name}` },
    head,
    h("div", { class: "files-preview-body", "data-kind": kind }, media),
    h("div", { class: "dialog-foot" }, status),
  );
  close.addEventListener("click", () => dialog.close());
  download.addEventListener("click", () => saveUrl(api.downloadUrl(entry.path), entry.name));
  dialog.addEventListener("close", () => dialog.remove());
  // A click on the backdrop (the dialog element itself, outside its content) closes it.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
  host.append(dialog);
  dialog.showModal();
  close.focus();
  return dialog;
}
