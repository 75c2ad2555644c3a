"""Command snippets: personal and shared commands with ``{param}`` prompts (TERM-6).

A default plugin: it reaches the app only through the public hooks. The server never runs a
snippet; it renders one, checks that the user may use the server, audits, and hands the
command back for the browser to type into the terminal.
"""

from __future__ import annotations

from quart import Blueprint, Quart

from ..hookspecs import hookimpl
from . import events, routes


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [routes.bp]


@hookimpl
def register_events() -> list[type]:
    return list(events.ALL)
