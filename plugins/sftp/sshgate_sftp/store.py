"""Storing a stream as a file: part file, bounded writes, then rename into place.

Used by the one-shot uploads (raw PUT, multipart), server-to-server copy and the editor's
save. Resumable uploads keep their part file across requests (:mod:`.resumable`).
"""

from __future__ import annotations

import contextlib
import secrets
import stat
from collections.abc import AsyncIterable

import asyncssh

from sshgate.api import ApiError

from .access import Files
from .transfer import (
    NEW_FILE,
    BlockWriter,
    lstat_or_none,
    part_path,
    remove_quietly,
    replace,
    settle,
)


async def check_target(files: Files, target: str, *, overwrite: bool) -> int | None:
    """Refuse a target that is a directory, or exists without ``overwrite``; the existing
    file's permission bits (kept on the new file), if any."""
    existing = await lstat_or_none(files.sftp, target)
    if existing is None:
        return None
    if existing.type == asyncssh.FILEXFER_TYPE_DIRECTORY:
        raise ApiError(409, "is_a_directory", f"{target} is a directory", {"path": target})
    if not overwrite:
        raise ApiError(409, "exists", f"{target} already exists", {"path": target})
    if existing.permissions is not None and stat.S_ISREG(existing.permissions):
        return stat.S_IMODE(existing.permissions)
    return None


async def create_part(files: Files, target: str, upload_id: str) -> str:
    """An empty part file next to ``target`` (never an existing one: O_EXCL)."""
    part = part_path(target, upload_id)
    file = await files.sftp.open(part, NEW_FILE, encoding=None)
    await file.close()
    return part


async def store(
    files: Files,
    target: str,
    chunks: AsyncIterable[bytes],
    *,
    overwrite: bool,
) -> int:
    """Stream ``chunks`` to ``target`` through a part file; the number of bytes stored.
    On any failure (including the client going away) the part file is removed and the
    target is untouched."""
    sftp = files.sftp
    mode = await check_target(files, target, overwrite=overwrite)
    part = part_path(target, secrets.token_hex(8))
    file = await sftp.open(part, NEW_FILE, encoding=None)
    writer = BlockWriter(file, 0, files.write_block, files.settings.max_requests)
    try:
        async for chunk in chunks:
            await writer.write(chunk)
        size = await writer.finish()
        await file.close()
        if mode is not None:
            await sftp.chmod(part, mode)
        await replace(sftp, part, target, overwrite=overwrite)
    except BaseException:
        await settle(_discard(writer, file, sftp, part))
        raise
    return size


async def _discard(writer: BlockWriter, file: object, sftp: asyncssh.SFTPClient, part: str) -> None:
    await writer.abort()
    with contextlib.suppress(asyncssh.Error, OSError):
        await file.close()  # type: ignore[attr-defined]
    await remove_quietly(sftp, part)
