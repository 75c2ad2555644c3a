"""The plugin contract: every hook sshgate calls, with its signature.

Implementations may take any subset of the arguments. ``register_*`` hooks run once while
the app is built and must be plain functions; every other hook may be sync or async, and the
core awaits whatever comes back. Each hook is documented in ``docs/plugins.md``.

``HOOKSPEC_VERSION`` changes when a hook is added (minor) or changed incompatibly (major);
``docs/plugins.md`` keeps the changelog. A plugin module that needs a newer contract than the
host provides says so with ``SSHGATE_CONTRACT = "1.3"``; start-up then fails with one line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from pydantic import BaseModel
    from quart import Blueprint, Quart

    from .contract import (
        Actor,
        BackgroundTask,
        EncryptedColumn,
        Identity,
        LoginMethod,
        ServerInfo,
        SessionObserver,
        ShareMode,
        TerminalSession,
    )
    from .events import Event
    from .web.asgi import ASGIApp

HOOKSPEC_VERSION = "1.4"

hookspec = pluggy.HookspecMarker("sshgate")
hookimpl = pluggy.HookimplMarker("sshgate")


# register_*: called once while the app is built; return lists.


@hookspec
def register_blueprints(app: Quart) -> list[Blueprint] | None:
    """Blueprints to mount; each one needs a ``url_prefix``."""


@hookspec
def register_settings() -> dict[str, type[BaseModel]] | None:
    """Map plugin name to a pydantic model read from ``SSHGATE_<NAME>_*``."""


@hookspec
def register_migrations() -> list[str] | None:
    """Folders of Alembic revisions, one branch label per plugin."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands to the ``sshgate`` command line."""


@hookspec
def register_events() -> list[type[Event]] | None:
    """Event classes the plugin emits, so that consumers can list them."""


@hookspec
def register_background_tasks(app: Quart) -> list[BackgroundTask] | None:
    """Periodic jobs; ``singleton`` ones run on one worker of N, under a database lease."""


@hookspec
def register_encrypted_columns() -> list[EncryptedColumn] | None:
    """Columns holding secrets, so that ``sshgate rotate-key`` re-encrypts them too."""


@hookspec
def asgi_wrapper(app: Quart) -> Callable[[ASGIApp], ASGIApp] | None:
    """Wrap the ASGI application (outermost last registered); never patch ``app.asgi_app``."""


# extra_*: front-end assets, collected into the UI manifest.


@hookspec
def extra_js_urls() -> list[str | dict[str, Any]] | None:
    """ES modules the browser loads; relative to the app root (``static/...``)."""


@hookspec
def extra_css_urls() -> list[str] | None:
    """Stylesheets the browser loads; relative to the app root."""


@hookspec
def extra_config(app: Quart) -> dict[str, Any] | None:
    """Public values merged into ``GET /api/config`` (never secrets)."""


@hookspec
def login_methods(app: Quart) -> list[LoginMethod] | None:
    """Ways to sign in that the login page offers (password form, "Sign in with ..." button)."""


# Lifecycle and events.


@hookspec
def startup(app: Quart) -> None:
    """The app is about to serve: the database is migrated and open."""


@hookspec
def shutdown(app: Quart) -> None:
    """The app is stopping; release what ``startup`` acquired."""


@hookspec
def track_event(event: Event, app: Quart) -> None:
    """Something happened (login, connection, file write, ...) in ``app``; observe it."""


@hookspec
def session_observers(session: TerminalSession, app: Quart) -> list[SessionObserver] | None:
    """Objects fed every byte of a terminal session: ``data_received(data, direction)``,
    ``resized(cols, rows)``, ``closed()``. Collected once per session."""


# Sign-in providers.


@hookspec
def authenticate(username: str, password: str, app: Quart) -> Identity | None:
    """Check a password against an external directory: an Identity, or None if not yours.
    Raise ``ProviderUnavailable`` when the directory does not answer."""


# Deciders: the first definite answer from any plugin wins only if it denies.


@hookspec
def permission_allowed(actor: Actor, action: str, resource: object) -> bool | None:
    """True to allow, False to deny, None to have no opinion."""


@hookspec
def before_connect(actor: Actor, server: ServerInfo) -> str | None:
    """Return a reason to veto an SSH connection; None lets it through."""


@hookspec
def before_file_transfer(actor: Actor, server: ServerInfo, operation: str, path: str) -> str | None:
    """Return a reason to veto a file operation (read, write, delete, ...); None allows it."""


@hookspec
def before_share(actor: Actor, server: ServerInfo, mode: ShareMode, expires_in: int) -> str | None:
    """Return a reason to veto a terminal share link (``ro`` or ``rw``); None allows it."""
