"""Streamed downloads: one file (with Range, SFTP-4; inline image/PDF preview, SFTP-5) and
ZIP archives of folders and selections (SFTP-2).

Everything that can fail with a clean status (authorization, path rules, deciders, stat)
happens before the response starts; the body then streams with the SFTP session leased
until it ends. The audit event is emitted when the download is authorized and starts; a
download that breaks off adds a second ``files.download`` event with outcome failure and
the bytes actually sent.
"""

from __future__ import annotations

import contextlib
import dataclasses
import posixpath
from collections.abc import AsyncIterator
from typing import Any

import asyncssh
from quart import Response, current_app, request
from quart_schema import tag

from sshgate.api import ApiError, error_response, requires

from .access import Files, audited, emit_later, server_checked, streaming
from .events import FileDownloaded, FileEvent, ZipDownloaded
from .headers import (
    MAGIC_BYTES,
    OCTET_STREAM,
    PREVIEW_CSP,
    content_disposition,
    etag,
    http_date,
    if_range_matches,
    parse_range,
    preview_type,
)
from .listing import kind
from .transfer import read_blocks
from .web import bp, flag
from .zipstream import ZipStats, zip_stream

MAX_ZIP_PATHS = 1000


def _streamed(body: AsyncIterator[bytes], status: int, headers: dict[str, str]) -> Response:
    response = Response(body, status=status, headers=headers)
    response.timeout = None  # Quart cuts responses at RESPONSE_TIMEOUT (60 s) otherwise
    return response


async def _finish(
    app: Any, files: Files, file: Any, event: FileEvent, sent: int, complete: bool
) -> None:
    with contextlib.suppress(asyncssh.Error, OSError):
        await file.close()
    files.release()
    if not complete:
        broken = dataclasses.replace(
            event, outcome="failure", bytes=sent, message="the download was interrupted"
        )
        await emit_later(broken, app)


@bp.get("/<int:server_id>/download")
@requires("files.download")
@tag(["files"])
async def download(server_id: int) -> Response:
    """One file, streamed. ``Range: bytes=...`` (one range) answers 206; ``?inline=1``
    serves PNG/JPEG/GIF/WebP/PDF inline when extension and content agree."""
    server = await server_checked(server_id, "files.download")
    raw = request.args.get("path")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        return await _download(app, server, raw)
    except RangeNotSatisfiable as exc:
        response = error_response(exc.status, exc.code, exc.message)
        response.headers["Content-Range"] = f"bytes */{exc.size}"
        return response


class RangeNotSatisfiable(ApiError):
    def __init__(self, path: str, size: int) -> None:
        super().__init__(416, "range_not_satisfiable", f"{path} has only {size} bytes")
        self.size = size


async def _download(app: Any, server: Any, raw: Any) -> Response:
    async with streaming(server) as files:
        file = None
        try:
            async with audited(files.event(FileDownloaded, str(raw))) as ev:
                path = ev.path = await files.follow(raw)
                await files.allow("download", path)
                attrs = await files.sftp.stat(path)
                if kind(attrs) != "file":
                    raise ApiError(
                        400,
                        "not_a_file",
                        f"{path} is not a regular file (download folders with download-zip)",
                        {"path": path},
                    )
                size = attrs.size or 0
                file = await files.sftp.open(
                    path,
                    "rb",
                    block_size=files.read_block,
                    max_requests=files.settings.max_requests,
                )
                name = posixpath.basename(path)
                mimetype = None
                if flag("inline"):
                    mimetype = preview_type(name, await file.read(MAGIC_BYTES, 0))
                tag_, modified = etag(attrs.mtime, size), http_date(attrs.mtime)
                headers = {
                    "Content-Type": mimetype or OCTET_STREAM,
                    "Content-Disposition": content_disposition(name, inline=bool(mimetype)),
                    "X-Content-Type-Options": "nosniff",
                    "Accept-Ranges": "bytes",
                    "ETag": tag_,
                    "Cache-Control": "private, no-cache",
                }
                if modified:
                    headers["Last-Modified"] = modified
                if mimetype:
                    headers["Content-Security-Policy"] = PREVIEW_CSP
                    headers["X-Frame-Options"] = "SAMEORIGIN"
                wanted = None
                if if_range_matches(request.headers.get("If-Range"), tag_, modified):
                    wanted = parse_range(request.headers.get("Range"), size)
                if wanted == "unsatisfiable":
                    raise RangeNotSatisfiable(path, size)
                start, end, status = 0, size, 200
                if isinstance(wanted, tuple):
                    start, end = wanted
                    status = 206
                    headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
                    ev.range = f"{start}-{end - 1}"
                headers["Content-Length"] = str(end - start)
                ev.bytes = 0 if request.method == "HEAD" else end - start
        except BaseException:
            if file is not None:
                await file.close()
            raise
    if request.method == "HEAD":
        await _finish(app, files, file, ev, 0, True)
        return _streamed(_nothing(), status, headers)

    async def body() -> AsyncIterator[bytes]:
        sent, complete = 0, False
        try:
            block, requests = files.read_block, files.settings.max_requests
            async for chunk in read_blocks(file, start, end, block, requests):
                sent += len(chunk)
                yield chunk
            complete = True
        finally:
            await _finish(app, files, file, ev, sent, complete)

    return _streamed(body(), status, headers)


async def _nothing() -> AsyncIterator[bytes]:
    if False:  # pragma: no cover - an empty async generator
        yield b""


async def _zip_paths() -> list[str]:
    if request.method == "GET":
        paths: Any = request.args.getlist("path")
    else:
        body = await request.get_json()
        paths = body.get("paths") if isinstance(body, dict) else None
        if not isinstance(body, dict) or set(body) - {"paths"}:
            raise ApiError(400, "validation_error", 'send {"paths": ["/a", "/b"]}')
    if not isinstance(paths, list) or not 1 <= len(paths) <= MAX_ZIP_PATHS:
        raise ApiError(400, "validation_error", f"give 1 to {MAX_ZIP_PATHS} paths")
    return paths


@bp.route("/<int:server_id>/download-zip", methods=["GET", "POST"])
@requires("files.download")
@tag(["files"])
async def download_zip(server_id: int) -> Response:
    """Folders and files as one ZIP, built while it streams. ``GET ?path=a&path=b`` (a
    plain link, so browsers download it natively) or ``POST {"paths": [...]}``."""
    server = await server_checked(server_id, "files.download")
    raws = await _zip_paths()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    async with (
        streaming(server) as files,
        audited(files.event(ZipDownloaded, str(raws[0])), success=False) as ev,
    ):
        roots = [await files.follow(raw) for raw in raws]
        ev.path, ev.paths = roots[0], roots
        for root in roots:
            await files.allow("download", root)
            await files.sftp.lstat(root)  # 404 now rather than an error inside the archive
    if len(roots) == 1:
        name = (posixpath.basename(roots[0]) or "root") + ".zip"
    else:
        name = (posixpath.basename(posixpath.dirname(roots[0])) or "files") + ".zip"
    headers = {
        "Content-Type": "application/zip",
        "Content-Disposition": content_disposition(name),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }

    async def body() -> AsyncIterator[bytes]:
        stats, complete = ZipStats(), False
        try:
            # The deciders asked per file may need the app; the request context is gone.
            async with app.app_context():
                async for chunk in zip_stream(files, roots, stats):
                    yield chunk
            complete = True
        finally:
            files.release()
            done = dataclasses.replace(
                ev,
                outcome="success" if complete else "failure",
                bytes=stats.bytes,
                files=stats.files,
                errors=len(stats.errors),
                message=None if complete else "the download was interrupted",
            )
            await emit_later(done, app)

    return _streamed(body(), 200, headers)
