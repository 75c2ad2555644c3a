"""sshgate-sftp: the SFTP file browser API (SFTP-1..8) under ``/api/files/<server_id>/``.

A plugin like any other: it imports only ``sshgate.api`` and is found through the
``sshgate`` entry point group. See the README for the API and the upload protocols.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel
from quart import Blueprint, Quart

from sshgate.api import Event, hookimpl, static_url

# Importing the route modules registers their views on the blueprint.
from . import copy, resumable, routes_browse, routes_download, routes_edit, routes_upload
from .events import EVENTS
from .pool import EXTENSION, Pool
from .settings import NAME, SftpSettings, sftp_settings
from .web import BodyStreamMiddleware, bp

__all__ = ["bp"]
SSHGATE_CONTRACT = "1.3"  # asgi_wrapper came in 1.3
_ROUTES = (copy, resumable, routes_browse, routes_download, routes_edit, routes_upload)


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [bp]


@hookimpl
def asgi_wrapper() -> type[BodyStreamMiddleware]:
    # Upload bodies bypass Quart's unbounded buffer (see web.py): the one place the
    # plugin needs to sit in front of the app rather than behind a route.
    return BodyStreamMiddleware


@hookimpl
def extra_js_urls() -> list[str]:
    # The Files panel and its editor; files.js imports the other modules of static/.
    return [static_url(NAME, "files.js")]


@hookimpl
def extra_css_urls() -> list[str]:
    return [static_url(NAME, "files.css")]


@hookimpl
def register_settings() -> dict[str, type[BaseModel]]:
    return {NAME: SftpSettings}


@hookimpl
def register_migrations() -> list[str]:
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def register_events() -> list[type[Event]]:
    return list(EVENTS)


@hookimpl
async def startup(app: Quart) -> None:
    pool = Pool(app, sftp_settings(app).idle_timeout)
    await pool.start()
    app.extensions[EXTENSION] = pool


@hookimpl
async def shutdown(app: Quart) -> None:
    pool: Any = app.extensions.pop(EXTENSION, None)
    if pool is not None:
        await pool.close()
