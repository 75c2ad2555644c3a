"""Identity: users, sessions, two-factor, API keys and the authorization guard.

A default plugin: it reaches the app only through the public hooks.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Quart

from ..contract import EncryptedColumn, LoginMethod
from ..gate import get_gate
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
def login_methods() -> list[LoginMethod]:
    return [LoginMethod(id="local", kind="password", label="Username and password")]


@hookimpl
async def extra_config(app: Quart) -> dict[str, Any]:
    """Sign-in methods for the login page, from every plugin's ``login_methods``."""
    methods = await get_gate(app).plugins.login_methods(app)
    return {"auth": {"methods": [m.to_json() for m in methods]}}


@hookimpl
def register_encrypted_columns() -> list[EncryptedColumn]:
    from .models import User

    return [EncryptedColumn(model=User, column="totp_secret", purpose="totp", label="username")]


@hookimpl
async def startup(app: Quart) -> None:
    gate = app.extensions["sshgate"]
    auth_state(app)
    await create_first_admin(gate.db, gate.settings)
    sweep.start(app)


@hookimpl
async def shutdown(app: Quart) -> None:
    await sweep.stop(app)
