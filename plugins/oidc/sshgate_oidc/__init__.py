"""sshgate-oidc: OpenID Connect single sign-on (authorization code flow with PKCE).

A plugin like any other: it imports only ``sshgate.api`` and is found through the ``sshgate``
entry point group. The login page shows "Sign in with <provider name>" once
``SSHGATE_OIDC_ISSUER`` is set; ``sshgate oidc check`` shows what sshgate sees of the
provider. See the README for the settings and the 2FA policy.
"""

from __future__ import annotations

from pathlib import Path

import click
from pydantic import BaseModel
from quart import Blueprint, Quart

from sshgate.api import EncryptedColumn, Event, LoginMethod, hookimpl

from . import commands, subjects
from .pending import BOX, OidcPending
from .provider import close_provider, open_provider
from .routes import bp
from .settings import NAME, OidcSettings, oidc_settings

__all__ = ["bp"]
# sign_in(create=...), check_sign_in and fail_sign_in came in 1.4.
SSHGATE_CONTRACT = "1.4"


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [bp]


@hookimpl
def register_commands(cli: click.Group) -> None:
    commands.register(cli)


@hookimpl
def register_settings() -> dict[str, type[BaseModel]]:
    return {NAME: OidcSettings}


@hookimpl
def register_migrations() -> list[str]:
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def register_encrypted_columns() -> list[EncryptedColumn]:
    return [EncryptedColumn(model=OidcPending, column="verifier", purpose=BOX, label="state_hash")]


@hookimpl
def login_methods(app: Quart) -> list[LoginMethod]:
    config = oidc_settings(app)
    if not config.enabled:
        return []
    return [
        LoginMethod(
            id=NAME,
            kind="redirect",
            label=f"Sign in with {config.provider_name}",
            url="api/oidc/start",
        )
    ]


@hookimpl
async def track_event(event: Event, app: Quart) -> None:
    # A deleted account's name may go to someone new: its sub binding goes with it.
    deleted = event.name == "admin.user_changed" and getattr(event, "change", "") == "deleted"
    if deleted and event.target:
        await subjects.forget(event.target)


@hookimpl
async def startup(app: Quart) -> None:
    await open_provider(app)


@hookimpl
async def shutdown(app: Quart) -> None:
    await close_provider(app)
