"""Core commands: serve, migrate, db-status, plugins."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import click
from quart import Quart

from . import logs
from .app import app_for_command, app_from_env
from .db.migrate import MigrationStatus, status, upgrade
from .errors import StartupError
from .gate import get_gate
from .hookspecs import hookimpl
from .settings import Settings, is_loopback

log = logging.getLogger("sshgate")


T = TypeVar("T")


def _run(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(factory())


async def _migrate(app: Quart) -> list[str]:
    gate = get_gate(app)
    try:
        await gate.db.check_reachable()
        return await upgrade(gate.db.engine, gate.migration_locations)
    finally:
        await gate.db.dispose()


def _check_secret_key(settings: Settings) -> None:
    if not settings.secret_key_is_weak:
        return
    if not is_loopback(settings.host):
        raise StartupError(
            f"SSHGATE_SECRET_KEY is missing, a default or shorter than 32 characters; refusing "
            f"to listen on {settings.host}. Set it, e.g. SSHGATE_SECRET_KEY=$(openssl rand -hex 32)"
        )
    # Loopback only: run, but make the cost impossible to miss.
    os.environ["SSHGATE_SECRET_KEY"] = secrets.token_hex(32)
    log.warning(
        "\n%s\nSSHGATE_SECRET_KEY is not set (or weak): using a random key for this run only.\n"
        "Logins and stored server credentials will not survive a restart.\n"
        "Set SSHGATE_SECRET_KEY to 32+ random characters.\n%s",
        "!" * 78,
        "!" * 78,
    )


@click.command()
@click.option("--host", help="Address to listen on [SSHGATE_HOST].")
@click.option("--port", type=int, help="Port to listen on [SSHGATE_PORT].")
@click.option("--workers", type=int, help="Worker processes [SSHGATE_WORKERS].")
@click.option(
    "--sandbox",
    is_flag=True,
    default=None,
    help="Also run a built-in SSH target on loopback, registered as server 'sandbox' for "
    "every user [SSHGATE_SANDBOX].",
)
def serve(host: str | None, port: int | None, workers: int | None, sandbox: bool | None) -> None:
    """Run sshgate on Hypercorn."""
    from hypercorn.config import Config
    from hypercorn.run import run

    from .cli import set_env_defaults

    set_env_defaults(host=host, port=port, workers=workers, sandbox=sandbox)
    settings = Settings.from_env()
    logs.configure(settings)
    _check_secret_key(settings)
    app = app_from_env()
    _run(lambda: _migrate(app))

    config = Config()
    bind_host = f"[{settings.host}]" if ":" in settings.host else settings.host
    config.bind = [f"{bind_host}:{settings.port}"]
    config.application_path = "sshgate.asgi:app"
    # One worker runs in this process; more are spawned and each imports sshgate.asgi.
    config.workers = 0 if settings.workers == 1 else settings.workers
    config.websocket_ping_interval = settings.ws_ping_interval
    config.websocket_max_message_size = settings.ws_max_message_size
    config.errorlog = logging.getLogger("hypercorn.error")
    config.accesslog = None
    shown = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    url = f"http://{shown}:{settings.port}{settings.root_path}/"
    log.info("sshgate listening on %s (API explorer: %sdocs)", url, url)
    run(config)


@click.command()
def migrate() -> None:
    """Apply pending database migrations (every plugin's branch)."""
    app = app_for_command()
    changed = _run(lambda: _migrate(app))
    click.echo(f"applied {', '.join(changed)}" if changed else "database is up to date")


@click.command("db-status")
@click.option("--check", is_flag=True, help="Exit 1 when migrations are pending.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def db_status(check: bool, as_json: bool) -> None:
    """Show applied and pending migrations."""
    app = app_for_command()
    gate = get_gate(app)

    async def _status() -> MigrationStatus:
        try:
            await gate.db.check_reachable()
            return await status(gate.db.engine, gate.migration_locations)
        finally:
            await gate.db.dispose()

    result = _run(_status)
    if as_json:
        click.echo(json.dumps(result.to_json()))
    else:
        click.echo(f"current: {', '.join(result.current) or '(empty database)'}")
        click.echo(f"heads:   {', '.join(result.heads)}")
        click.echo(f"pending: {', '.join(result.pending) or 'none'}")
    if check and result.pending:
        raise SystemExit(1)


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins_command(as_json: bool) -> None:
    """List installed plugins, their versions and hooks."""
    app = app_for_command()
    infos = get_gate(app).plugins.info()
    if as_json:
        click.echo(json.dumps([i.to_json() for i in infos], indent=2))
        return
    for info in infos:
        kind = "core" if info.core else (info.version or "-")
        click.echo(f"{info.name:<34} {kind:<8} {', '.join(info.hooks)}")


@hookimpl
def register_commands(cli: click.Group) -> None:
    for command in (serve, migrate, db_status, plugins_command):
        cli.add_command(command)
