"""The audit log: every audited event becomes a hash-chained, append-only entry.

A default plugin: it reaches the app only through the public hooks (``track_event`` to
record, ``register_blueprints`` for search and export, ``register_commands`` for
``sshgate audit verify``). Its table comes with core's migration branch (``core_0003``).
"""

from __future__ import annotations

import asyncio

import click
from quart import Blueprint, Quart
from sqlalchemy.exc import DBAPIError

from ..app import app_for_command
from ..errors import StartupError
from ..events import Event
from ..gate import get_gate
from ..hookspecs import hookimpl
from . import chain, routes


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [routes.bp]


@hookimpl
async def track_event(event: Event, app: Quart) -> None:
    if event.audited:
        await chain.append(app, event)


@click.group("audit")
def audit_group() -> None:
    """Inspect the audit log."""


@audit_group.command("verify")
def verify_command() -> None:
    """Check the hash chain of the audit log; exit 1 at the first broken link.

    Finds entries edited in place and entries inserted or deleted before the newest one.
    Deleting the newest entries leaves a shorter but valid chain, which no chain can notice:
    compare with a hash you kept (an export, a webhook receiver) to catch that.
    """
    gate = get_gate(app_for_command())

    async def run() -> chain.Verdict:
        try:
            await gate.db.check_reachable()
            return await chain.verify(gate.db)
        except DBAPIError as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0]
            raise StartupError(
                f"cannot read the audit log ({reason}); run `sshgate migrate`?"
            ) from None
        finally:
            await gate.db.dispose()

    verdict = asyncio.run(run())
    click.echo(verdict.message)
    if not verdict.intact:
        raise SystemExit(1)


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(audit_group)
