"""Moving bytes between HTTP and SFTP with bounded memory (SFTP-2..4, SFTP-8).

Reads and writes go out as SFTP requests of ``block`` bytes with at most ``max_requests``
in flight, so one transfer never holds more than ``block * max_requests`` bytes however big
the file or slow the other side. Requests are issued in offset order; SFTP servers handle a
channel's requests in order, so after an interruption a part file holds a contiguous prefix
of the upload and its size is the offset to resume from.

Uploads go to ``<dir>/.<name>.sshgate-part-<id>`` and are renamed over the target only when
complete (``posix-rename@openssh.com`` where offered: atomic replace), so an interrupted
upload never damages the file it was meant to replace.
"""

from __future__ import annotations

import asyncio
import contextlib
import posixpath
from collections import deque
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import asyncssh

from sshgate.api import ApiError

PART_MARK = ".sshgate-part-"
NEW_FILE = asyncssh.FXF_WRITE | asyncssh.FXF_CREAT | asyncssh.FXF_EXCL


def part_path(target: str, upload_id: str) -> str:
    directory, name = posixpath.split(target)
    # Leave room for the marker and id inside the 255-byte name limit.
    stem = name.encode()[:200].decode(errors="ignore")
    return posixpath.join(directory, f".{stem}{PART_MARK}{upload_id}")


async def settle(awaitable: Awaitable[Any]) -> None:
    """Run clean-up to the end even when the request is cancelled (client gone) again."""
    task = asyncio.ensure_future(awaitable)
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await asyncio.shield(task)


async def lstat_or_none(sftp: asyncssh.SFTPClient, path: str) -> asyncssh.SFTPAttrs | None:
    try:
        return await sftp.lstat(path)
    except asyncssh.SFTPNoSuchFile:
        return None


async def remove_quietly(sftp: asyncssh.SFTPClient, path: str) -> None:
    with contextlib.suppress(asyncssh.Error, OSError):
        await sftp.remove(path)


async def replace(sftp: asyncssh.SFTPClient, part: str, target: str, *, overwrite: bool) -> None:
    """Move a finished part file to its target."""
    if not overwrite:
        # Plain SFTP rename refuses an existing target: no window for a clobber.
        if await lstat_or_none(sftp, target) is not None:
            raise ApiError(409, "exists", f"{target} already exists", {"path": target})
        await sftp.rename(part, target)
        return
    try:
        await sftp.posix_rename(part, target)
    except asyncssh.SFTPOpUnsupported:
        # Without posix-rename there is a short window with no file at the target.
        if await lstat_or_none(sftp, target) is not None:
            await sftp.remove(target)
        await sftp.rename(part, target)


class BlockWriter:
    """Writes a byte stream into an open SFTP file from ``offset`` on, ``block`` bytes per
    request and at most ``max_requests`` requests in flight."""

    def __init__(self, file: Any, offset: int, block: int, max_requests: int) -> None:
        self.file = file
        self.offset = offset  # where the next request writes
        self.block = block
        self.max_requests = max_requests
        self._buffer = bytearray()
        self._pending: set[asyncio.Task[Any]] = set()
        self._offsets: dict[asyncio.Task[Any], int] = {}  # where each request writes
        self._failed_at: int | None = None
        self._error: BaseException | None = None

    async def write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= self.block:
            block = bytes(self._buffer[: self.block])
            del self._buffer[: self.block]
            await self._send(block)

    async def finish(self) -> int:
        """Write what is buffered, wait for every request; the end offset."""
        if self._buffer:
            await self._send(bytes(self._buffer))
            self._buffer.clear()
        while self._pending:
            await self._wait_one()
        return self.offset

    async def abort(self) -> int:
        """Let requests in flight settle; the offset up to which the file is contiguous."""
        self._buffer.clear()
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
            self._collect(self._pending)
            self._pending.clear()
        return self.offset if self._failed_at is None else self._failed_at

    async def _send(self, block: bytes) -> None:
        while len(self._pending) >= self.max_requests:
            await self._wait_one()
        offset = self.offset
        task = asyncio.ensure_future(self.file.write(block, offset))
        self._offsets[task] = offset
        self._pending.add(task)
        self.offset += len(block)

    async def _wait_one(self) -> None:
        done, self._pending = await asyncio.wait(self._pending, return_when=asyncio.FIRST_COMPLETED)
        self._collect(done)
        if self._error is not None:
            raise self._error

    def _collect(self, done: set[asyncio.Task[Any]]) -> None:
        for task in done:
            offset = self._offsets.pop(task)
            if task.cancelled() or task.exception() is None:
                continue
            if self._failed_at is None or offset < self._failed_at:
                self._failed_at = offset
                self._error = task.exception()


async def read_blocks(
    file: Any, start: int, end: int, block: int, max_requests: int
) -> AsyncIterator[bytes]:
    """Bytes ``start..end`` of an open SFTP file, in order, reading ahead ``max_requests``
    blocks. Raises 409 ``file_changed`` if the file ends early (it shrank meanwhile)."""
    ahead: deque[tuple[int, int, asyncio.Task[bytes]]] = deque()
    position = start
    try:
        while ahead or position < end:
            while position < end and len(ahead) < max_requests:
                size = min(block, end - position)
                ahead.append((position, size, asyncio.ensure_future(file.read(size, position))))
                position += size
            offset, size, task = ahead.popleft()
            data = await task
            if not data:
                raise ApiError(
                    409, "file_changed", f"the file ended at {offset} bytes, expected {end}"
                )
            if len(data) < size:
                # A short read that is not EOF (a server with a smaller limit): everything
                # read ahead is now misaligned; start again right after what arrived.
                await _cancel(ahead)
                position = offset + len(data)
            yield data
    finally:
        await _cancel(ahead)


async def _cancel(ahead: deque[tuple[int, int, asyncio.Task[bytes]]]) -> None:
    tasks = [task for _, _, task in ahead]
    ahead.clear()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
