"""Terminals: SSH shells in the browser that outlive page reloads.

A default plugin: it reaches the app only through the public hooks.
"""

from __future__ import annotations

from quart import Blueprint, Quart

from ..hookspecs import hookimpl
from . import events, quick, routes, shares  # noqa: F401  (they add routes to routes.bp)
from .manager import SessionManager


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [routes.bp]


@hookimpl
def register_events() -> list[type]:
    return list(events.ALL)


@hookimpl
async def startup(app: Quart) -> None:
    manager = SessionManager(app)
    app.extensions["sshgate.terminal"] = manager
    await manager.start()


@hookimpl
async def shutdown(app: Quart) -> None:
    manager = app.extensions.get("sshgate.terminal")
    if manager is not None:
        await manager.shutdown()
