"""sshgate-notes: personal notes, output counters per terminal session, the latest events.

An example third-party plugin: it imports only ``sshgate.api`` (and ``sshgate.testing`` in
its tests) and is found through its ``sshgate`` entry point.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel
from quart import Blueprint, Quart

from sshgate.api import Event, TerminalSession, hookimpl, static_url

from .events import NoteCreated
from .observer import OutputCounter
from .routes import bp
from .settings import NAME, NotesSettings
from .state import state

SSHGATE_CONTRACT = "1.3"  # session_observers receives app since 1.3


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [bp]


@hookimpl
def register_settings() -> dict[str, type[BaseModel]]:
    return {NAME: NotesSettings}


@hookimpl
def register_migrations() -> list[str]:
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def register_events() -> list[type[Event]]:
    return [NoteCreated]


@hookimpl
def extra_js_urls() -> list[str]:
    return [static_url(NAME, "notes.js")]


@hookimpl
def extra_css_urls() -> list[str]:
    return [static_url(NAME, "notes.css")]


@hookimpl
def track_event(event: Event, app: Quart) -> None:
    state(app).recent_events.append(event.name)


@hookimpl
def session_observers(session: TerminalSession, app: Quart) -> list[OutputCounter]:
    return [OutputCounter(session, state(app))]
