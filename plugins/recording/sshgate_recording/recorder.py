"""The recorder of one terminal session: a session observer and the task that writes for it.

Hot path (called by the session, on the event loop): timestamp the event, append it to a
deque, count its bytes. Nothing else: the writer task wakes every ``flush_interval`` (or as
soon as ``WAKE_AT`` bytes are waiting) and hands the batch to a thread (writer.py). The deque is
bounded by ``queue_limit`` bytes: past it the disk is not keeping up, which is handled like a
failed write.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from quart import Quart

from sshgate.api import TerminalSession, emit

from . import cast, store
from .events import RecordingFailed, RecordingTruncated
from .redact import EchoGate
from .writer import CastFile, Queued

if TYPE_CHECKING:
    from .settings import RecordingSettings

log = logging.getLogger(__name__)
WAKE_AT = 512 * 1024  # queued bytes that start a write before the flush interval is up


class Recorder:
    def __init__(
        self,
        app: Quart,
        session: TerminalSession,
        recording_id: str,
        file: CastFile,
        settings: RecordingSettings,
    ) -> None:
        self.app = app
        self.session = session
        self.id = recording_id
        self.file = file
        self.settings = settings
        self.started = time.monotonic()
        self.queue: deque[Queued] = deque()
        self.queued = 0
        self.failed: str | None = None  # why writing stopped
        self.participants: list[dict[str, Any]] = []
        self._typist: str | None = None
        self._gate = EchoGate(self._put_text) if settings.input else None
        self._wake = asyncio.Event()
        self._wake_at = min(WAKE_AT, settings.queue_limit // 4)
        self._closed = False
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.ensure_future(self._run())

    def now(self) -> float:
        return time.monotonic() - self.started

    # SessionObserver: quick, never blocking. ------------------------------------------------

    def data_received(self, data: bytes, direction: str) -> None:
        if direction != "output":
            return  # input arrives through typed(), with who typed it
        self._put(self.now(), "o", data)
        if self._gate is not None and self._gate.waiting:
            # Only the start of the output can be the echo: decode no more than that.
            self._gate.output(data[:256].decode(self.session.encoding, "replace"))

    def typed(self, data: bytes, by: str) -> None:
        now = self.now()
        entry = self._participant(by)
        entry["typed"] = entry.get("typed", 0) + len(data)
        if by != self._typist:
            if self._typist is not None:
                self._put(now, "m", f"input: {by}")
            self._typist = by
        if self._gate is not None:
            self._gate.typed(now, data.decode("utf-8", "replace"))

    def resized(self, cols: int, rows: int) -> None:
        self._put(self.now(), "r", f"{cols}x{rows}")

    def joined(self, username: str, mode: str) -> None:
        if mode == "owner" and username == self.session.owner:
            return  # the owner's own views coming and going (reloads) are not news
        self.participants.append(
            {"user": username, "mode": mode, "joined": round(self.now(), 3), "left": None}
        )
        self._put(self.now(), "m", f"joined: {username} ({mode})")

    def left(self, username: str, mode: str) -> None:
        if mode == "owner" and username == self.session.owner:
            return
        for entry in reversed(self.participants):
            if entry["user"] == username and entry["left"] is None and entry["mode"] == mode:
                entry["left"] = round(self.now(), 3)
                break
        self._put(self.now(), "m", f"left: {username}")

    def closed(self) -> None:
        if self._gate is not None:
            self._gate.close()
        now = round(self.now(), 3)
        for entry in self.participants:  # the session's end is everyone's leaving
            if entry["left"] is None:
                entry["left"] = now
        self._closed = True
        self._wake.set()

    # Queue -------------------------------------------------------------------------------

    def _put_text(self, at: float, code: str, data: str) -> None:
        self._put(at, code, data)

    def _put(self, at: float, code: str, data: bytes | str) -> None:
        if self.failed:
            return
        self.queue.append((at, code, data))
        self.queued += len(data)
        if self.queued >= self._wake_at and not self._wake.is_set():
            # A fast shell fills the queue long before the next timed flush: write now, so
            # the queue stays far below its limit and only a disk that is really behind fails.
            self._wake.set()
        if self.queued > self.settings.queue_limit:
            self.queue.clear()
            self.queued = 0
            self._fail(f"the disk did not keep up ({self.settings.queue_limit} bytes queued)")

    def _participant(self, username: str) -> dict[str, Any]:
        for entry in reversed(self.participants):
            if entry["user"] == username:
                return entry
        if username == self.session.owner:
            entry = {"user": username, "mode": "owner", "joined": 0.0, "left": None}
        else:
            entry = {"user": username, "mode": "rw", "joined": self.now(), "left": None}
        self.participants.append(entry)
        return entry

    # Writer ------------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            while not self._closed and not self.failed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.flush_interval)
                self._wake.clear()
                await self._flush()
            await self._finish()
        except Exception:  # never let a recorder take anything else down
            log.exception("recording %s: the writer stopped", self.id)
            self.failed = self.failed or "the recording's writer failed"
            await self._finish()

    async def _flush(self) -> None:
        if not self.queue or self.failed:
            return
        batch = list(self.queue)
        self.queue.clear()
        self.queued = 0
        try:
            await asyncio.to_thread(self.file.write, batch)
        except OSError as exc:
            self._fail(f"writing the recording failed: {exc.strerror or exc}")

    def _fail(self, reason: str) -> None:
        if self.failed:
            return
        self.failed = reason
        self._wake.set()
        if self.settings.mode == "strict" and not self.session.ended:
            # Strict: a session must not go on unrecorded. Ending it tells its clients why.
            self.session.end(f"recording failed, so the session was ended: {reason}")

    async def _finish(self) -> None:
        await self._flush()
        strict = self.settings.mode == "strict"
        if self.failed:
            status = "failed" if strict else "truncated"
            await asyncio.to_thread(self.file.abandon, cast.END_TRUNCATED)
        else:
            status = "complete"
            try:
                await asyncio.to_thread(self.file.finish, self.now(), cast.END)
            except OSError as exc:
                status, self.failed = ("failed" if strict else "truncated"), str(exc)
        await store.finish(self.app, self, status)
        if self.failed:
            event = RecordingFailed if strict else RecordingTruncated
            await emit(
                event(
                    recording_id=self.id,
                    target=self.session.server_name,
                    actor=self.session.owner,
                    outcome="failure",
                    message=self.failed,
                ),
                self.app,
            )
