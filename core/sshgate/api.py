"""The stable API for plugins. Plugins import from here, ``sshgate.hookspecs`` and
``sshgate.testing`` only; everything else in the core may change without notice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel
from quart import current_app
from sqlalchemy.ext.asyncio import AsyncSession

from .auth.guard import current_actor, signed_in_actor, still_signed_in
from .auth.permissions import authorize, public, requires
from .auth.providers import check_sign_in, fail_sign_in, sign_in
from .contract import (
    Actor,
    BackgroundTask,
    EncryptedColumn,
    Identity,
    LoginMethod,
    ProviderUnavailable,
    ServerInfo,
    SessionObserver,
    SessionRefused,
    TerminalSession,
)
from .crypto import SecretBox, SecretUnreadable
from .db import Model
from .db.lease import Lease
from .db.types import UTCDateTime, utcnow
from .errors import ApiError
from .events import Event
from .hookspecs import HOOKSPEC_VERSION, hookimpl
from .registry.public import list_servers, server_for
from .ssh.connector import SSHLink, open_connection
from .ssh.diagnosis import ConnectFailed, Diagnosis
from .track import emit
from .web.errors import error_response
from .web.schemas import Input

if TYPE_CHECKING:
    from quart import Quart

    from .gate import Gate
    from .settings import Settings

__all__ = [
    "HOOKSPEC_VERSION",
    "Actor",
    "ApiError",
    "BackgroundTask",
    "ConnectFailed",
    "Diagnosis",
    "EncryptedColumn",
    "Event",
    "Identity",
    "Input",
    "Lease",
    "LoginMethod",
    "Model",
    "ProviderUnavailable",
    "SSHLink",
    "SecretBox",
    "SecretUnreadable",
    "ServerInfo",
    "SessionObserver",
    "SessionRefused",
    "TerminalSession",
    "UTCDateTime",
    "app_for_command",
    "authorize",
    "check_sign_in",
    "current_actor",
    "db_session",
    "emit",
    "error_response",
    "fail_sign_in",
    "file_transfer_veto",
    "gate",
    "hookimpl",
    "lease",
    "list_servers",
    "open_connection",
    "plugin_settings",
    "public",
    "registered_events",
    "requires",
    "secret_box",
    "server_for",
    "settings",
    "sign_in",
    "signed_in_actor",
    "static_url",
    "still_signed_in",
    "utcnow",
]

SettingsT = TypeVar("SettingsT", bound=BaseModel)


def gate(app: Quart | None = None) -> Gate:
    """The running app's state (settings, plugins, database)."""
    return (app or current_app).extensions["sshgate"]


def settings(app: Quart | None = None) -> Settings:
    return gate(app).settings


def plugin_settings(name: str, model: type[SettingsT], app: Quart | None = None) -> SettingsT:
    """The validated settings a plugin registered with ``register_settings``."""
    value = gate(app).plugin_settings[name]
    if not isinstance(value, model):
        raise TypeError(f"settings of plugin {name} are {type(value).__name__}, not {model}")
    return value


@asynccontextmanager
async def db_session(app: Quart | None = None) -> AsyncIterator[AsyncSession]:
    """A database session in a transaction: committed on success, rolled back on error."""
    async with gate(app).db.session() as session:
        yield session


async def file_transfer_veto(
    actor: Actor, server: ServerInfo, operation: str, path: str
) -> str | None:
    """Ask every ``before_file_transfer`` decider: the first veto reason, or None to allow.
    Call it after your own path rules, with the resolved path on the server."""
    return await gate().plugins.before_file_transfer(actor, server, operation, path)


def secret_box(purpose: str, app: Quart | None = None) -> SecretBox:
    """Encrypts and decrypts short secrets with a key derived from ``SSHGATE_SECRET_KEY`` for
    ``purpose`` (use your plugin's name). Register the columns you store the results in with
    ``register_encrypted_columns`` so that ``sshgate rotate-key`` re-encrypts them.

    >>> box = secret_box("webhooks")
    >>> box.decrypt(box.encrypt("s3cret"))
    's3cret'
    """
    key = settings(app).secret_key
    assert key is not None  # create_app refuses to start without one
    return SecretBox([key.get_secret_value()], purpose)


def lease(name: str, ttl: float, app: Quart | None = None) -> Lease:
    """A lease in the database that one worker of N holds at a time (``await l.acquire()``
    takes or renews it, ``l.held`` says whether it is ours, ``await l.release()`` gives it
    up). Singleton background tasks get one for free; use this for other exclusive work."""
    state = gate(app)
    return Lease(state.db, f"plugin:{name}", state.instance_id, ttl)


def registered_events(app: Quart | None = None) -> list[type[Event]]:
    """The event classes every plugin (and the core) declared with ``register_events``,
    sorted by ``name``: the catalogue a webhook or export plugin offers its users."""
    return gate(app).plugins.events()


def app_for_command() -> Quart:
    """The app, configured from the environment, for a command of your ``register_commands``
    (``async with app.app_context():`` then use ``db_session()``, ``emit()``...)."""
    from .app import app_for_command as build

    return build()


def static_url(plugin_name: str, path: str) -> str:
    """URL of a file in a plugin's ``static/`` folder, relative to the app root."""
    return f"static/plugins/{plugin_name}/{path.lstrip('/')}"
