"""``/api/notes``: every route declares the permission it needs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from quart import Blueprint
from quart_schema import validate_request
from sqlalchemy import select

from sshgate.api import Actor, current_actor, db_session, emit, requires, server_for

from .events import NoteCreated
from .models import Note
from .state import state

bp = Blueprint("notes", __name__, url_prefix="/api/notes")


def caller() -> Actor:
    """The signed-in caller: never None behind ``@requires``."""
    actor = current_actor()
    assert actor is not None
    return actor


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    text: str = Field(min_length=1, max_length=2000)
    server_id: int | None = None


@bp.get("")
@requires("notes.list")
async def list_notes() -> dict[str, Any]:
    """Your notes, newest first."""
    actor = caller()
    async with db_session() as session:
        notes = await session.scalars(
            select(Note).where(Note.owner_id == actor.user_id).order_by(Note.id.desc())
        )
        return {"notes": [note.to_json() for note in notes]}


@bp.post("")
@requires("notes.create")
@validate_request(NoteIn)
async def create_note(data: NoteIn) -> tuple[dict[str, Any], int]:
    """Add a note; one that names a server needs that server to be yours to see."""
    actor = caller()  # current_actor(), never None behind @requires
    target = None
    if data.server_id is not None:
        # 404 when the actor cannot see the server, 403 when its group is not theirs.
        target = (await server_for(actor, data.server_id, "notes.create")).name
    async with db_session() as session:
        note = Note(owner_id=actor.user_id, server_id=data.server_id, text=data.text)
        session.add(note)
        await session.flush()
        body = note.to_json()
    await emit(NoteCreated(note_id=body["id"], target=target))  # after the commit
    return body, 201


@bp.get("/sessions")
@requires("notes.sessions.list")
async def session_counters() -> dict[str, Any]:
    """Output bytes per terminal session of this worker: yours, or all for administrators."""
    actor = caller()
    rows = [
        stats.to_json()
        for stats in state().sessions.values()
        if actor.is_admin or stats.owner_id == actor.user_id
    ]
    return {"sessions": rows}


@bp.get("/events")
@requires("admin.notes.events.list")
async def recent_events() -> dict[str, Any]:
    """The names of the latest events this worker saw, oldest first (administrators)."""
    return {"events": list(state().recent_events)}
