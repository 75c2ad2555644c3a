"""Background work: this worker's heartbeat, closing dead workers' files, retention."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from quart import Quart

from sshgate.api import BackgroundTask, emit, utcnow

from . import cast, store
from .events import RecordingIncomplete, RecordingsExpired
from .service import recordings
from .settings import recording_settings

log = logging.getLogger(__name__)


def tasks(app: Quart) -> list[BackgroundTask]:
    settings = recording_settings(app)
    if not settings.enabled:
        return []
    beat = settings.heartbeat
    return [
        BackgroundTask(name="recording.heartbeat", run=heartbeat, interval=beat),
        # One worker closes the files of workers that died: 3 missed beats. Its own lease
        # expires as fast, so a restarted single worker does it soon after it starts.
        BackgroundTask(
            name="recording.sweep",
            run=close_stale,
            interval=beat,
            singleton=True,
            ttl=max(10.0, 3 * beat),
        ),
        BackgroundTask(
            name="recording.retention", run=expire, interval=3600, singleton=True, first_delay=5
        ),
    ]


async def heartbeat(app: Quart) -> None:
    active = list(recordings(app).active.values())
    if active:
        await store.heartbeat(app, active)


async def close_stale(app: Quart) -> None:
    settings = recording_settings(app)
    older_than = utcnow() - timedelta(seconds=3 * settings.heartbeat)
    folder = recordings(app).folder
    for recording in await store.stale(app, older_than):
        size, duration = await asyncio.to_thread(_repair, folder, recording.file)
        if await store.mark_incomplete(app, recording.id, size, duration):
            log.warning("recording %s: its worker stopped; closed as incomplete", recording.id)
            await emit(
                RecordingIncomplete(
                    recording_id=recording.id,
                    target=recording.server_name,
                    actor=recording.username,
                    outcome="failure",
                    message="the worker recording it stopped before the session ended",
                ),
                app,
            )


def _repair(folder: Path, relative: str) -> tuple[int, float]:
    try:
        path = store.file_path(folder, relative)
        return cast.repair(path), cast.last_time(path)
    except Exception:  # a missing or unreadable file: still close the row
        log.exception("recording file %s could not be repaired", relative)
        return 0, 0.0


async def expire(app: Quart) -> None:
    settings = recording_settings(app)
    if settings.keep_days == 0:
        return
    old = await store.expired(app, settings.keep_days)
    if not old:
        return
    folder = recordings(app).folder
    await asyncio.to_thread(_unlink, folder, [r.file for r in old])
    await store.remove(app, [r.id for r in old])
    await emit(RecordingsExpired(count=len(old), keep_days=settings.keep_days), app)


def _unlink(folder: Path, files: list[str]) -> None:
    for relative in files:
        try:
            store.file_path(folder, relative).unlink(missing_ok=True)
        except Exception:
            log.exception("recording file %s could not be deleted", relative)
