"""The server registry: servers, encrypted credentials, jump chains and host-key trust.

A default plugin: it reaches the app only through the public hooks.
"""

from __future__ import annotations

import click
from quart import Blueprint, Quart

from ..contract import EncryptedColumn
from ..hookspecs import hookimpl
from . import events, routes, transfer_routes
from .credentials import PURPOSE
from .models import Server
from .rotate import rotate_key


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [routes.bp, transfer_routes.bp]


@hookimpl
def register_events() -> list[type]:
    return list(events.ALL)


@hookimpl
def register_encrypted_columns() -> list[EncryptedColumn]:
    return [
        EncryptedColumn(model=Server, column="secret", purpose=PURPOSE, label="name"),
        EncryptedColumn(model=Server, column="key_passphrase", purpose=PURPOSE, label="name"),
    ]


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(rotate_key)
