"""The file side of a recording: whole lines appended to a .cast file, in a worker thread.

Everything here runs in ``asyncio.to_thread``: decoding the output, encoding JSON and the
``write`` calls never touch the event loop. A line reaches the kernel whole or not at all as
far as readers are concerned: after a failed write the file is cut back to its last complete
line, so the file on disk is valid asciicast at every moment (a SIGKILL loses only what was
still queued, at most ``flush_interval`` of output).
"""

from __future__ import annotations

import codecs
import errno
import os
from pathlib import Path
from typing import Any

from . import cast

# One queued event: (seconds since the start, code, payload). Output is raw bytes, decoded
# here; input and markers are already text.
Queued = tuple[float, str, bytes | str]


class CastFile:
    def __init__(self, path: Path, encoding: str) -> None:
        self.path = path
        self.size = 0  # bytes of complete lines on disk
        self._fd: int | None = None
        # Incremental: a character split across two SSH packets is decoded whole, so the
        # "o" events concatenate to exactly the bytes the client received.
        self._decoder = codecs.getincrementaldecoder(_codec(encoding))(errors="replace")
        self._last = 0.0

    def create(self, head: dict[str, Any]) -> None:
        """Create the file (never an existing one) and write the header line."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        try:
            self._write(cast.line(head))
        except OSError:
            self._close_fd()
            self.path.unlink(missing_ok=True)
            raise

    def write(self, batch: list[Queued]) -> None:
        """Append a batch of events; raises OSError (ENOSPC, EIO, ...) with the file intact."""
        lines = []
        for time, code, payload in batch:
            if isinstance(payload, bytes):
                payload = self._decoder.decode(payload)
                if not payload:
                    continue  # half a character, completed by the next chunk
            # Events leave the queue in order, but redaction releases held-back keystrokes
            # late: never let time run backwards in the file.
            self._last = max(self._last, time)
            lines.append(cast.event(self._last, code, payload))
        if lines:
            self._write(b"".join(lines))

    def finish(self, time: float, marker: str) -> None:
        """Flush the decoder, write the end marker, sync and close."""
        try:
            rest = self._decoder.decode(b"", final=True)
            tail = cast.event(max(self._last, time), "o", rest) if rest else b""
            self._write(tail + cast.event(max(self._last, time), "m", marker))
            if self._fd is not None:
                os.fsync(self._fd)
        finally:
            self._close_fd()

    def abandon(self, marker: str) -> None:
        """After a failed write: try to end the file with ``marker``, then close it anyway."""
        try:
            self._write(cast.event(self._last, "m", marker))
        except OSError:
            pass  # the disk is still full: the file ends at its last complete line
        finally:
            self._close_fd()

    def _write(self, data: bytes) -> None:
        if self._fd is None:
            raise OSError(errno.EBADF, "the recording is closed")
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError:
            os.ftruncate(self._fd, self.size)  # drop the torn line
            raise
        self.size += len(data)

    def _close_fd(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


def _codec(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return "utf-8"
