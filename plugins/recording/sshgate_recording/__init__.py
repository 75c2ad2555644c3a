"""sshgate-recording: every terminal session as an asciicast v2 file (REC-1..3).

A plugin like any other: it imports only ``sshgate.api`` from the core. The recorder is a
session observer (``session_observers``), so a shared session is recorded once, by the worker
that owns its shell, whichever workers its viewers are on. See the README for the settings,
the file format, the redaction rule and the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel
from quart import Blueprint, Quart

from sshgate.api import (
    BackgroundTask,
    Event,
    SessionObserver,
    TerminalSession,
    hookimpl,
    static_url,
)

from . import service, sweeps
from .events import EVENTS
from .routes import bp
from .settings import NAME, RecordingSettings, recording_settings

SSHGATE_CONTRACT = "1.4"  # SessionRefused, TerminalSession.end, typed/joined/left


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [bp]


@hookimpl
def register_settings() -> dict[str, type[BaseModel]]:
    return {NAME: RecordingSettings}


@hookimpl
def register_migrations() -> list[str]:
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def register_events() -> list[type[Event]]:
    return list(EVENTS)


@hookimpl
def register_background_tasks(app: Quart) -> list[BackgroundTask]:
    return sweeps.tasks(app)


@hookimpl
def extra_js_urls() -> list[str]:
    return [static_url(NAME, "recordings.js")]


@hookimpl
def extra_css_urls() -> list[str]:
    return [static_url(NAME, "recordings.css")]


@hookimpl
def extra_config(app: Quart) -> dict[str, Any]:
    settings = recording_settings(app)
    return {
        "recording": {"enabled": settings.enabled, "input": settings.input, "mode": settings.mode}
    }


@hookimpl
async def session_observers(session: TerminalSession, app: Quart) -> list[SessionObserver]:
    if not recording_settings(app).enabled:
        return []
    recorder = await service.recordings(app).observe(session)
    return [recorder] if recorder is not None else []


@hookimpl
async def startup(app: Quart) -> None:
    service.start(app)


@hookimpl
async def shutdown(app: Quart) -> None:
    running: Any = app.extensions.get(service.EXTENSION)
    if running is not None:
        await running.stop()
