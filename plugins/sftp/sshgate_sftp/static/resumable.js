// One file through the plugin's resumable-upload protocol (README "Resumable uploads"):
// POST uploads {path, size} -> id; PATCH uploads/<id> with Upload-Offset and a slice of the
// file, until the offset reaches the size (the server then renames the part file over the
// target). When a PATCH breaks off (network drop, gateway restart, 502), ask the server for
// its offset (the part file's real size) and send the rest from there. XHR, not fetch: it
// reports upload progress.
import { ApiError, csrfToken } from "../../app/api.js";
import { xhrError } from "./fileapi.js";

const CHUNK = 16 * 1024 * 1024;
const MAX_FAILURES = 8;
const RETRYABLE = new Set([0, 408, 429, 500, 502, 503, 504]);

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

export class Cancelled extends Error {}

function retryable(error) {
  return error instanceof ApiError && (RETRYABLE.has(error.status) || error.code === "upload_interrupted" || error.code === "connection_lost");
}

export class ResumableUpload {
  // onUpdate(this) after every change of state or progress.
  // id: an existing session to continue (an upload a reload interrupted).
  constructor(api, { file, path, overwrite = false, id = null }, onUpdate) {
    this.api = api;
    this.file = file;
    this.path = path;
    this.overwrite = overwrite;
    this.onUpdate = onUpdate;
    this.id = id;
    this.loaded = 0;
    this.total = file.size;
    this.retries = 0;
    this.controller = new AbortController();
    this.xhr = null;
  }

  get cancelled() {
    return this.controller.signal.aborted;
  }

  note(fields) {
    Object.assign(this, fields);
    this.onUpdate(this);
  }

  async run() {
    if (!this.id) {
      const session = await this.api.createUpload(this.path, this.total, this.overwrite);
      if (this.cancelled) return this.abortOnServer();
      this.id = session.id;
      if (session.complete) return this.note({ loaded: this.total });
    } else {
      // Continue where the server is: the part file's size, never a number kept here.
      this.note({ loaded: (await this.api.uploadStatus(this.id)).offset, message: "" });
    }
    let offset = this.loaded;
    let failures = 0;
    while (offset < this.total) {
      if (this.cancelled) throw new Cancelled();
      try {
        offset = await this.patch(offset);
        failures = 0;
        this.note({ loaded: offset, retrying: false, message: "" });
      } catch (error) {
        if (this.cancelled) throw new Cancelled();
        if (error instanceof ApiError && error.code === "offset_mismatch" && Number.isFinite(error.details.offset)) {
          offset = error.details.offset;
          continue;
        }
        if (!retryable(error) || ++failures > MAX_FAILURES) throw error;
        const wait = Math.min(15000, 500 * 2 ** (failures - 1));
        this.note({ retrying: true, retries: this.retries + 1, message: `Connection lost: resuming in ${Math.ceil(wait / 1000)} s` });
        await sleep(wait, this.controller.signal);
        if (this.cancelled) throw new Cancelled();
        try {
          offset = (await this.api.uploadStatus(this.id)).offset;
          this.note({ loaded: offset, message: `Resuming from ${offset} bytes` });
        } catch (statusError) {
          if (!retryable(statusError)) throw statusError;
        }
      }
    }
    return null;
  }

  patch(offset) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      this.xhr = xhr;
      xhr.open("PATCH", this.api.uploadChunkUrl(this.id));
      xhr.setRequestHeader("Upload-Offset", String(offset));
      xhr.setRequestHeader("X-CSRF-Token", csrfToken());
      xhr.setRequestHeader("Content-Type", "application/offset+octet-stream");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (event) => {
        this.note({ loaded: Math.min(this.total, offset + event.loaded) });
      };
      xhr.onload = () => {
        this.xhr = null;
        if (xhr.status >= 200 && xhr.status < 300) {
          const header = Number(xhr.getResponseHeader("Upload-Offset"));
          let body = {};
          try {
            body = JSON.parse(xhr.responseText) || {};
          } catch {
            body = {};
          }
          resolve(Number.isFinite(body.offset) ? body.offset : header);
        } else {
          reject(xhrError(xhr, `The upload failed (HTTP ${xhr.status}).`));
        }
      };
      xhr.onerror = () => {
        this.xhr = null;
        reject(new ApiError(0, "network_error", "The connection to the gateway was lost."));
      };
      xhr.onabort = () => {
        this.xhr = null;
        reject(new Cancelled());
      };
      xhr.send(this.file.slice(offset, Math.min(this.total, offset + CHUNK)));
    });
  }

  // Stop now; the server forgets the session and removes its part file.
  async cancel() {
    this.controller.abort();
    if (this.xhr) this.xhr.abort();
    await this.abortOnServer();
  }

  async abortOnServer() {
    if (!this.id) return null;
    const id = this.id;
    this.id = null;
    try {
      await this.api.abortUpload(id);
    } catch {
      // Already complete or gone: nothing is left to clean up.
    }
    return null;
  }
}
