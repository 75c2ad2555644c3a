"""The recordings of one worker: starting a recorder for each new terminal session."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from datetime import datetime
from typing import Any

from quart import Quart

from sshgate.api import SessionRefused, TerminalSession, emit, gate, utcnow

from . import cast, store
from .events import RecordingFailed, RecordingTruncated
from .models import Recording
from .recorder import Recorder
from .settings import RecordingSettings, recording_settings
from .writer import CastFile

log = logging.getLogger(__name__)
EXTENSION = "sshgate_recording"


class Recordings:
    def __init__(self, app: Quart, settings: RecordingSettings) -> None:
        self.app = app
        self.settings = settings
        self.folder = settings.dir.resolve()
        self.active: dict[str, Recorder] = {}

    async def observe(self, session: TerminalSession) -> Recorder | None:
        """A started recorder for ``session``; None when it cannot be recorded in
        best-effort mode. Strict mode refuses the session instead (SessionRefused)."""
        recording_id = secrets.token_hex(12)
        started = utcnow()
        relative = f"{started:%Y}/{started:%m}/{recording_id}.cast"
        file = CastFile(self.folder / relative, session.encoding)
        title = f"{session.owner}@{session.server_name}"
        head = cast.header(
            cols=session.cols,
            rows=session.rows,
            timestamp=int(session.started),
            title=title,
            term=session.term,
        )
        try:
            await asyncio.to_thread(file.create, head)
            await store.create(self.app, self._row(recording_id, session, relative, started))
        except Exception as exc:
            with contextlib.suppress(OSError):
                await asyncio.to_thread(file.abandon, cast.END_TRUNCATED)
                file.path.unlink(missing_ok=True)
            await self._not_recorded(session, recording_id, exc)
            return None
        recorder = Recorder(self.app, session, recording_id, file, self.settings)
        self.active[recording_id] = recorder
        recorder.start()
        assert recorder.task is not None
        recorder.task.add_done_callback(lambda _: self.active.pop(recording_id, None))
        return recorder

    def _row(
        self, recording_id: str, session: TerminalSession, relative: str, started: datetime
    ) -> Recording:
        return Recording(
            id=recording_id,
            session_id=session.id,
            user_id=session.owner_id,
            username=session.owner,
            server_id=session.server_id,
            server_name=session.server_name,
            title=f"{session.owner}@{session.server_name}",
            file=relative,
            started_at=started,
            status="recording",
            size=0,
            duration=0.0,
            cols=session.cols,
            rows=session.rows,
            input=self.settings.input,
            worker=gate(self.app).instance_id,
            heartbeat_at=started,
            participants="[]",
        )

    async def _not_recorded(
        self, session: TerminalSession, recording_id: str, exc: Exception
    ) -> None:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        reason = f"the session recording could not be started: {detail}"
        strict = self.settings.mode == "strict"
        log.error("recording %s of session %s: %s", recording_id, session.id, reason)
        event = RecordingFailed if strict else RecordingTruncated
        with contextlib.suppress(Exception):  # the database may be what failed
            await emit(
                event(
                    recording_id=recording_id,
                    target=session.server_name,
                    actor=session.owner,
                    outcome="failure",
                    message=reason,
                ),
                self.app,
            )
        if strict:
            raise SessionRefused(f"{reason}; sessions must be recorded here, so it was refused")

    async def stop(self) -> None:
        """The worker is stopping: close every file properly (not "incomplete")."""
        recorders = list(self.active.values())
        for recorder in recorders:
            recorder.closed()
        tasks = [r.task for r in recorders if r.task is not None]
        if tasks:
            await asyncio.wait(tasks, timeout=30)


def recordings(app: Quart) -> Recordings:
    found: Any = app.extensions.get(EXTENSION)
    if found is None:
        raise RuntimeError("the recording plugin has not started")
    return found


def start(app: Quart) -> Recordings:
    service = Recordings(app, recording_settings(app))
    app.extensions[EXTENSION] = service
    return service
