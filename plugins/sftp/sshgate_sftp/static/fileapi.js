// The plugin's HTTP API (README: /api/files/<server_id>/...) for one server. JSON calls go
// through the page's fetch wrapper (relative URLs, the CSRF header, ApiError); downloads
// are plain relative URLs the browser fetches natively.
import { ApiError, request, withQuery } from "../../app/api.js";

// Long ZIP selections go by POST: a URL this long risks the server's request-line limit.
const MAX_URL = 6000;

export class FilesApi {
  constructor(serverId) {
    this.base = `api/files/${serverId}/`;
  }

  url(route, query) {
    return withQuery(this.base + route, query);
  }

  roots() {
    return request(this.base + "roots");
  }

  list(path) {
    return request(this.base + "ls", { query: { path } });
  }

  stat(path) {
    return request(this.base + "stat", { query: { path } });
  }

  mkdir(path) {
    return request(this.base + "mkdir", { method: "POST", body: { path } });
  }

  rename(from, to, overwrite = false) {
    return request(this.base + "rename", { method: "POST", body: { from, to, overwrite } });
  }

  remove(paths, recursive) {
    return request(this.base + "delete", { method: "POST", body: { paths, recursive } });
  }

  chmod(path, mode) {
    return request(this.base + "chmod", { method: "POST", body: { path, mode } });
  }

  read(path) {
    return request(this.base + "read", { query: { path } });
  }

  write(body) {
    return request(this.base + "write", { method: "POST", body });
  }

  downloadUrl(path, inline = false) {
    return this.url("download", inline ? { path, inline: 1 } : { path });
  }

  // GET download-zip?path=a&path=b: a link the browser downloads natively.
  zipUrl(paths) {
    const params = new URLSearchParams();
    for (const path of paths) params.append("path", path);
    return `${this.base}download-zip?${params}`;
  }

  zipFitsUrl(paths) {
    return new URL(this.zipUrl(paths), document.baseURI).href.length <= MAX_URL;
  }

  // Resumable uploads (README "Resumable uploads"). The PATCH itself is uploads.js's XHR.
  createUpload(path, size, overwrite) {
    return request(this.base + "uploads", { method: "POST", body: { path, size, overwrite } });
  }

  listUploads() {
    return request(this.base + "uploads");
  }

  uploadStatus(id) {
    return request(`${this.base}uploads/${encodeURIComponent(id)}`);
  }

  abortUpload(id) {
    return request(`${this.base}uploads/${encodeURIComponent(id)}`, { method: "DELETE" });
  }

  uploadChunkUrl(id) {
    return `${this.base}uploads/${encodeURIComponent(id)}`;
  }
}

// An ApiError from an XHR's JSON error body (the same shape request() reads).
export function xhrError(xhr, fallback) {
  let problem = {};
  try {
    problem = (JSON.parse(xhr.responseText) || {}).error || {};
  } catch {
    problem = {};
  }
  return new ApiError(xhr.status, problem.code || `http_${xhr.status}`, problem.message || fallback, problem.details);
}

// Trigger a native download of a same-origin URL (no navigation away from the page).
export function saveUrl(url, filename = "") {
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.rel = "noopener";
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
}

// Big ZIP selections: POST the list, then save the streamed answer as a blob.
export async function saveZipByPost(api, paths, csrf) {
  const response = await fetch(api.base + "download-zip", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify({ paths }),
  });
  if (!response.ok) {
    let problem = {};
    try {
      problem = ((await response.json()) || {}).error || {};
    } catch {
      problem = {};
    }
    throw new ApiError(response.status, problem.code || "zip_failed", problem.message || "The ZIP download failed.", problem.details);
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  saveUrl(url, "files.zip");
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
