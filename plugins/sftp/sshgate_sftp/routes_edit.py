"""The editor's two routes (SFTP-5): ``GET read`` and ``POST write``.

``read`` refuses what a text editor cannot show: a NUL byte in the first KiB (415
``binary``), bytes that are not valid UTF-8 (415 ``not_utf8``; a server whose encoding is
set to something else is decoded with that, 415 ``not_decodable`` when even that fails), and
files over ``SSHGATE_SFTP_EDITOR_MAX_SIZE`` (413). ``write`` saves atomically (part file,
then rename) and only if the file is still what was read: ``expected_mtime`` and
``expected_size`` (and ``expected_sha256`` when given) must match, else 409 ``conflict``.
"""

from __future__ import annotations

import codecs
import hashlib
import posixpath
from collections.abc import AsyncIterator
from typing import Any

from quart import request
from quart_schema import tag

from sshgate.api import ApiError, requires

from .access import Files, audited, connect, server_checked
from .events import FileRead, FileWritten
from .listing import kind
from .store import store
from .transfer import lstat_or_none
from .web import Body, bp, parse_body, read_body

BINARY_PROBE = 1024


class WriteBody(Body):
    path: str
    content: str
    expected_mtime: int | None = None
    expected_size: int | None = None
    expected_sha256: str | None = None
    encoding: str | None = None


async def _read_all(files: Files, path: str, limit: int) -> bytes:
    async with files.sftp.open(
        path,
        "rb",
        block_size=files.read_block,
        max_requests=files.settings.max_requests,
    ) as file:
        return await file.read(limit + 1)


def _too_large(path: str, limit: int) -> ApiError:
    return ApiError(
        413,
        "too_large",
        f"{path} is larger than the editor's limit of {limit} bytes; download it instead",
        {"path": path, "limit": limit},
    )


@bp.get("/<int:server_id>/read")
@requires("files.read")
@tag(["files"])
async def read(server_id: int) -> dict[str, Any]:
    server = await server_checked(server_id, "files.read")
    raw = request.args.get("path")
    async with connect(server) as files, audited(files.event(FileRead, str(raw))) as ev:
        limit = files.settings.editor_max_size
        path = ev.path = await files.follow(raw)
        await files.allow("read", path)
        attrs = await files.sftp.stat(path)
        if kind(attrs) != "file":
            raise ApiError(400, "not_a_file", f"{path} is not a regular file", {"path": path})
        if (attrs.size or 0) > limit:
            raise _too_large(path, limit)
        data = await _read_all(files, path, limit)
        ev.bytes = len(data)
        if len(data) > limit:  # it grew since the stat
            raise _too_large(path, limit)
        if b"\0" in data[:BINARY_PROBE]:
            raise ApiError(415, "binary", f"{path} looks like a binary file", {"path": path})
        encoding = server.encoding
        try:
            content = data.decode(encoding)
        except UnicodeDecodeError:
            if codecs.lookup(encoding).name == "utf-8":
                raise ApiError(
                    415, "not_utf8", f"{path} is not valid UTF-8 text", {"path": path}
                ) from None
            raise ApiError(
                415, "not_decodable", f"{path} is not valid {encoding} text", {"path": path}
            ) from None
    return {
        "path": path,
        "content": content,
        "mtime": attrs.mtime,
        "size": len(data),
        "encoding": encoding,
        "sha256": hashlib.sha256(data).hexdigest(),
    }


async def _check_unchanged(files: Files, path: str, body: WriteBody) -> bool:
    """Whether the file exists; 409 if it is not the version the editor read."""
    attrs = await lstat_or_none(files.sftp, path)
    expected = (body.expected_mtime, body.expected_size, body.expected_sha256)
    if attrs is None:
        if any(value is not None for value in expected):
            raise ApiError(409, "conflict", f"{path} was deleted since it was read", {"path": path})
        return False
    if kind(attrs) != "file":
        raise ApiError(409, "is_a_directory", f"{path} is not a regular file", {"path": path})
    details = {"path": path, "mtime": attrs.mtime, "size": attrs.size}
    if all(value is None for value in expected):
        raise ApiError(409, "exists", f"{path} already exists", details)
    changed = (body.expected_mtime is not None and body.expected_mtime != attrs.mtime) or (
        body.expected_size is not None and body.expected_size != attrs.size
    )
    if not changed and body.expected_sha256 is not None:
        limit = files.settings.editor_max_size
        current = hashlib.sha256(await _read_all(files, path, limit)).hexdigest()
        changed = current != body.expected_sha256.lower()
    if changed:
        raise ApiError(409, "conflict", f"{path} was changed since it was read", details)
    return True


@bp.post("/<int:server_id>/write")
@requires("files.write")
@tag(["files"])
async def write(server_id: int) -> dict[str, Any]:
    server = await server_checked(server_id, "files.write", write=True)
    async with connect(server) as files:
        limit = files.settings.editor_max_size
        # JSON escapes can grow text up to six times (\\uXXXX).
        body = parse_body(WriteBody, await read_body(limit * 6 + 64 * 1024))
        async with audited(files.event(FileWritten, body.path)) as ev:
            encoding = body.encoding or server.encoding
            try:
                data = body.content.encode(encoding)
            except (LookupError, UnicodeEncodeError) as exc:
                raise ApiError(400, "unencodable", f"cannot save as {encoding}: {exc}") from None
            if len(data) > limit:
                raise _too_large(body.path, limit)
            path = ev.path = await files.follow(body.path)
            await files.allow("write", path)
            exists = await _check_unchanged(files, path, body)

            async def chunks() -> AsyncIterator[bytes]:
                yield data

            ev.bytes = await store(files, path, chunks(), overwrite=exists)
            attrs = await files.sftp.stat(path)
    return {
        "path": path,
        "name": posixpath.basename(path),
        "mtime": attrs.mtime,
        "size": attrs.size,
        "encoding": encoding,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
