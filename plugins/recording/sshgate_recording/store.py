"""Recording metadata in the database, and where each recording's file lives."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quart import Quart
from sqlalchemy import Select, delete, select, update

from sshgate.api import ApiError, db_session, utcnow

from .models import Recording

if TYPE_CHECKING:
    from .recorder import Recorder

log = logging.getLogger(__name__)


def file_path(folder: Path, relative: str) -> Path:
    """The file of a recording. ``relative`` was made by this plugin ("2026/12/<hex>.cast"),
    never from input; checked anyway, so a tampered row cannot point outside the folder."""
    root = folder.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or path.suffix != ".cast":
        raise ApiError(404, "not_found", "no such recording file")
    return path


async def create(app: Quart, recording: Recording) -> None:
    async with db_session(app) as session:
        session.add(recording)


async def finish(app: Quart, recorder: Recorder, status: str) -> None:
    """The end of a recording: never raises (the session is over; the log says why)."""
    try:
        async with db_session(app) as session:
            await session.execute(
                update(Recording)
                .where(Recording.id == recorder.id)
                .values(
                    status=status,
                    ended_at=utcnow(),
                    size=recorder.file.size,
                    duration=recorder.now(),
                    participants=json.dumps(recorder.participants),
                    note=recorder.failed,
                )
            )
    except Exception:
        log.exception("recording %s: could not store its end (status %s)", recorder.id, status)


async def heartbeat(app: Quart, recorders: list[Recorder]) -> None:
    """This worker's live recordings are alive: their mark, size and duration so far."""
    now = utcnow()
    async with db_session(app) as session:
        for recorder in recorders:
            await session.execute(
                update(Recording)
                .where(Recording.id == recorder.id, Recording.status == "recording")
                .values(
                    heartbeat_at=now,
                    size=recorder.file.size,
                    duration=recorder.now(),
                    participants=json.dumps(recorder.participants),
                )
            )


async def stale(app: Quart, older_than: datetime) -> list[Recording]:
    async with db_session(app) as session:
        query = select(Recording).where(
            Recording.status == "recording", Recording.heartbeat_at < older_than
        )
        return list((await session.scalars(query)).all())


async def mark_incomplete(app: Quart, recording_id: str, size: int, duration: float) -> bool:
    """Close a dead worker's recording; False when another sweep got there first."""
    async with db_session(app) as session:
        result = await session.execute(
            update(Recording)
            .where(Recording.id == recording_id, Recording.status == "recording")
            .values(
                status="incomplete",
                ended_at=utcnow(),
                size=size,
                duration=duration,
                note="the worker recording it stopped before the session ended",
            )
        )
        return bool(getattr(result, "rowcount", 0))


async def expired(app: Quart, keep_days: int) -> list[Recording]:
    cutoff = utcnow() - timedelta(days=keep_days)
    async with db_session(app) as session:
        query = select(Recording).where(
            Recording.started_at < cutoff, Recording.status != "recording"
        )
        return list((await session.scalars(query)).all())


async def remove(app: Quart, recording_ids: list[str]) -> None:
    async with db_session(app) as session:
        await session.execute(delete(Recording).where(Recording.id.in_(recording_ids)))


# Queries for the API ---------------------------------------------------------------------


def visible(actor: Any) -> Select[Recording]:
    """Users see their own recordings, administrators everyone's."""
    query = select(Recording)
    return query if actor.is_admin else query.where(Recording.user_id == actor.user_id)


async def get_visible(actor: Any, recording_id: str) -> Recording:
    async with db_session() as session:
        found = await session.scalar(visible(actor).where(Recording.id == recording_id))
    if found is None:
        raise ApiError(404, "not_found", f"no recording {recording_id}")
    return found
