"""A client of a terminal session: a bounded outbound byte queue with watermarks.

Sessions never see WebSockets, only clients. The WebSocket route drains a client's queue into
binary frames; when a client falls behind, its queue crosses the high watermark and the
session stops reading the SSH channel (which stops SSH window updates, which pauses the
remote program). Below the low watermark reading resumes.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from dataclasses import dataclass, field

from .endings import Ending

HIGH_WATERMARK = 256 * 1024
LOW_WATERMARK = 64 * 1024
# A frame is at most this big: large enough to amortise the per-frame cost, small enough
# that a browser renders progressively.
MAX_FRAME = 256 * 1024

_ids = itertools.count(1)


@dataclass(eq=False)
class Client:
    username: str
    read_only: bool = False
    # Clients that may hold up the session (the owner's); others are dropped when too slow.
    steers_flow: bool = True
    max_backlog: int = 4 * 1024 * 1024
    id: int = field(default_factory=lambda: next(_ids))
    _chunks: deque[bytes] = field(default_factory=deque)
    queued: int = 0
    _ready: asyncio.Event = field(default_factory=asyncio.Event)
    controls: deque[dict] = field(default_factory=deque)
    closed_reason: tuple[Ending, str] | None = None
    # The share link a joiner came through: revoking the link drops the client.
    share_id: str | None = None
    user_id: int | None = None
    # A bridge to another worker's clients (bridge.py), not a view of its own.
    bridge: bool = False
    # When the client attached (epoch seconds): the owner's "who is attached" list shows it.
    since: float = field(default_factory=time.time)

    @property
    def above_high(self) -> bool:
        return self.queued >= HIGH_WATERMARK

    @property
    def below_low(self) -> bool:
        return self.queued <= LOW_WATERMARK

    def feed(self, data: bytes) -> bool:
        """Queue output; False when a client that does not steer flow fell too far behind."""
        if not self.steers_flow and self.queued + len(data) > self.max_backlog:
            return False
        self._chunks.append(data)
        self.queued += len(data)
        self._ready.set()
        return True

    def control(self, message: dict) -> None:
        self.controls.append(message)
        self._ready.set()

    def close(self, ending: Ending, reason: str) -> None:
        """Let the client go once its queue is drained; whoever serves it (the WebSocket
        route, a bridge) says so in its own terms."""
        if self.closed_reason is None:
            self.closed_reason = (ending, reason)
        self._ready.set()

    async def wait(self) -> None:
        await self._ready.wait()

    def take(self) -> bytes:
        """Everything queued (up to MAX_FRAME), as one frame."""
        if not self._chunks:
            if not self.controls and self.closed_reason is None:
                self._ready.clear()
            return b""
        if self.queued <= MAX_FRAME:
            data = b"".join(self._chunks)
            self._chunks.clear()
        else:
            parts, size = [], 0
            while self._chunks and size < MAX_FRAME:
                chunk = self._chunks.popleft()
                parts.append(chunk)
                size += len(chunk)
            data = b"".join(parts)
        self.queued -= len(data)
        if not self._chunks and not self.controls and self.closed_reason is None:
            self._ready.clear()
        return data
