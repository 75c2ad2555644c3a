"""Identity: users, sessions, two-factor, API keys and the authorization guard.

A default plugin: it reaches the app only through the public hooks.
"""

from __future__ import annotations

from quart import Blueprint, Quart

from ..hookspecs import hookimpl
from . import account, admin, events, routes, sweep
from .bootstrap import create_first_admin
from .guard import auth_state


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [routes.bp, account.bp, admin.bp]


@hookimpl
def register_events() -> list[type]:
    return list(events.ALL)


@hookimpl
async def startup(app: Quart) -> None:
    gate = app.extensions["sshgate"]
    auth_state(app)
    await create_first_admin(gate.db, gate.settings)
    sweep.start(app)


@hookimpl
async def shutdown(app: Quart) -> None:
    await sweep.stop(app)
