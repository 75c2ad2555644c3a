"""SSH connections: the one place sshgate opens them.

A default plugin: :mod:`.connector` opens chains hop by hop with pinned host keys and
explains failures (:mod:`.diagnosis`); :mod:`.routes` tests a server and manages its host
key. Callers use :func:`open_connection`; nothing else talks to asyncssh as a client.
"""

from __future__ import annotations

from quart import Blueprint, Quart

from ..hookspecs import hookimpl
from . import events, routes
from .chain import ChainError, validate_chain
from .connector import SSHLink, diagnose, open_connection
from .diagnosis import ConnectFailed, Diagnosis, HopTiming

__all__ = [
    "ChainError",
    "ConnectFailed",
    "Diagnosis",
    "HopTiming",
    "SSHLink",
    "diagnose",
    "open_connection",
    "validate_chain",
]


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [routes.bp]


@hookimpl
def register_events() -> list[type]:
    return list(events.ALL)
