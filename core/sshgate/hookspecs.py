"""The plugin contract: every hook sshgate calls, with its signature.

Implementations may take any subset of the arguments. ``register_*`` hooks run once while
the app is built and must be plain functions; every other hook may be sync or async, and the
core awaits whatever comes back. Each hook is documented in ``docs/plugins.md``.

``HOOKSPEC_VERSION`` changes when a hook is added (minor) or changed incompatibly (major).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from pydantic import BaseModel
    from quart import Blueprint, Quart

    from .events import Event

HOOKSPEC_VERSION = "1.2"

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
def session_observers(session: Any) -> list[Any] | None:
    """Objects fed every byte of a terminal session: ``data_received(data, direction)``,
    ``resized(cols, rows)``, ``closed()``. Collected once per session."""


# Deciders: the first definite answer from any plugin wins only if it denies.


@hookspec
def permission_allowed(actor: Any, action: str, resource: Any) -> bool | None:
    """True to allow, False to deny, None to have no opinion."""


@hookspec
def before_connect(actor: Any, server: Any) -> str | None:
    """Return a reason to veto an SSH connection; None lets it through."""


@hookspec
def before_file_transfer(actor: Any, server: Any, operation: str, path: str) -> str | None:
    """Return a reason to veto a file operation (read, write, delete, ...); None allows it."""
