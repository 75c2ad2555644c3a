"""A plugin that implements every sshgate hook, so that each hook has a test.

It mixes sync and async implementations on purpose: the core must await both.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar

import click
from pydantic import BaseModel, ConfigDict
from quart import Blueprint, Quart, current_app, request
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from sshgate.api import (
    ApiError,
    Event,
    Model,
    db_session,
    emit,
    hookimpl,
    plugin_settings,
    public,
    requires,
    static_url,
)

NAME = "testplugin"
bp = Blueprint(NAME, __name__, url_prefix="/api/testplugin")


class TestpluginSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    greeting: str = "hello"
    max_notes: int = 100


class Note(Model):
    __tablename__ = "testplugin_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200))


@dataclasses.dataclass(kw_only=True)
class NoteCreated(Event):
    name: ClassVar[str] = "testplugin.note_created"
    note_id: int
    text: str


class Observer:
    """Records what a terminal session feeds it."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.chunks: list[tuple[bytes, str]] = []
        self.sizes: list[tuple[int, int]] = []
        self.is_closed = False

    def data_received(self, data: bytes, direction: str) -> None:
        self.chunks.append((data, direction))

    def resized(self, cols: int, rows: int) -> None:
        self.sizes.append((cols, rows))

    def closed(self) -> None:
        self.is_closed = True


def _state(app: Quart | None = None) -> dict[str, Any]:
    return (app or current_app).extensions.setdefault(NAME, {"events": [], "lifecycle": []})


@bp.get("/greeting")
@public
async def greeting() -> dict[str, str]:
    return {"greeting": plugin_settings(NAME, TestpluginSettings).greeting}


@bp.post("/notes")
@requires("testplugin.notes.create")
async def add_note() -> tuple[dict[str, Any], int]:
    body = await request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"]:
        raise ApiError(400, "validation_error", "text: a non-empty string is required")
    async with db_session() as session:
        note = Note(text=body["text"][:200])
        session.add(note)
        await session.flush()
        note_id = note.id
    await emit(NoteCreated(note_id=note_id, text=note.text))
    return {"id": note_id, "text": note.text}, 201


@bp.get("/notes")
@requires("testplugin.notes.list")
async def list_notes() -> dict[str, Any]:
    async with db_session() as session:
        notes = (await session.scalars(select(Note).order_by(Note.id))).all()
    return {"notes": [{"id": n.id, "text": n.text} for n in notes]}


@bp.get("/events")
@requires("testplugin.events.view")
async def events() -> dict[str, Any]:
    return {"events": [e.to_json() for e in _state()["events"]], "lifecycle": _state()["lifecycle"]}


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [bp]


@hookimpl
def register_settings() -> dict[str, type[BaseModel]]:
    return {NAME: TestpluginSettings}


@hookimpl
def register_migrations() -> list[str]:
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.command("testplugin-hello")
    @click.argument("who", default="world")
    def hello(who: str) -> None:
        """Say hello (a command added by the test plugin)."""
        click.echo(f"hello, {who} (from testplugin)")


@hookimpl
def register_events() -> list[type[Event]]:
    return [NoteCreated]


@hookimpl
def extra_js_urls() -> list[str]:
    return [static_url(NAME, "panel.js")]


@hookimpl
def extra_css_urls() -> list[str]:
    return [static_url(NAME, "panel.css")]


@hookimpl
async def extra_config(app: Quart) -> dict[str, Any]:
    return {"testplugin": {"greeting": plugin_settings(NAME, TestpluginSettings, app).greeting}}


@hookimpl
async def startup(app: Quart) -> None:
    _state(app)["lifecycle"].append("startup")


@hookimpl
def shutdown(app: Quart) -> None:
    _state(app)["lifecycle"].append("shutdown")


@hookimpl
async def track_event(event: Event, app: Quart) -> None:
    _state(app)["events"].append(event)


@hookimpl
def session_observers(session: Any) -> list[Observer]:
    return [Observer(session)]


@hookimpl
def permission_allowed(actor: Any, action: str, resource: Any) -> bool | None:
    if action == "testplugin.forbidden":
        return False
    if action == "testplugin.granted":
        return True
    return None


@hookimpl
async def before_connect(actor: Any, server: Any) -> str | None:
    if getattr(server, "name", None) == "testplugin-vetoed":
        return "servers named testplugin-vetoed are vetoed by testplugin"
    return None


@hookimpl
def before_file_transfer(actor: Any, server: Any, operation: str, path: str) -> str | None:
    if path.startswith("/testplugin-forbidden"):
        return f"testplugin forbids {operation} under /testplugin-forbidden"
    return None
