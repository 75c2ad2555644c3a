"""The server registry: servers, encrypted credentials, jump chains and host-key trust.

A default plugin: it reaches the app only through the public hooks.
"""

from __future__ import annotations

import click
from quart import Blueprint, Quart

from ..hookspecs import hookimpl
from . import events, routes, transfer_routes
from .rotate import rotate_key


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [routes.bp, transfer_routes.bp]


@hookimpl
def register_events() -> list[type]:
    return list(events.ALL)


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(rotate_key)
