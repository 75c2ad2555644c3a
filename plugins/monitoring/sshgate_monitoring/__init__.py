"""sshgate-monitoring: server status probes, the Site Manager's dots, Prometheus ``/metrics``.

- Probes (MON-1): every ``SSHGATE_MONITOR_INTERVAL`` seconds a TCP connect plus the SSH
  banner, through jump chains via the connector (:mod:`.probe`).
- One prober among N workers (MON-2): a singleton background task, so the core holds the
  lease ``task:monitoring.probe``; ``GET /api/health`` lists it under ``roles``.
- ``/metrics`` (MON-3): this worker's metrics (:mod:`.metrics`, :mod:`.asgi`) summed with
  every other live worker's through the database (:mod:`.aggregate`).

A plugin like any other: it imports only ``sshgate.api``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from pydantic import BaseModel
from quart import Blueprint, Quart

from sshgate.api import BackgroundTask, Event, TerminalSession, hookimpl, static_url

from . import aggregate, asgi, routes, scrape
from .events import EVENTS
from .metrics import ByteObserver, metrics
from .prober import EXTENSION as PROBER
from .prober import probe_round
from .settings import NAME, SETTINGS, MonitorSettings, monitor_settings

SSHGATE_CONTRACT = "1.4"  # list_servers and ServerInfo.jump_via_id came in 1.4
PROBE_TASK = f"{NAME}.probe"


@hookimpl
def register_settings() -> dict[str, type[BaseModel]]:
    return {SETTINGS: MonitorSettings}


@hookimpl
def register_migrations() -> list[str]:
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def register_events() -> list[type[Event]]:
    return list(EVENTS)


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [routes.bp, scrape.bp]


@hookimpl
def register_background_tasks(app: Quart) -> list[BackgroundTask]:
    config = monitor_settings(app)
    tasks = [
        BackgroundTask(name=f"{NAME}.metrics", run=aggregate.flush, interval=config.metrics_flush)
    ]
    if config.probes:
        tasks.append(
            BackgroundTask(
                name=PROBE_TASK,
                run=probe_round,
                interval=config.interval,
                singleton=True,
                ttl=config.lease_ttl,
            )
        )
    return tasks


@hookimpl
def asgi_wrapper(app: Quart) -> object:
    return asgi.wrapper_for(app)


@hookimpl
def track_event(event: Event, app: Quart) -> None:
    metrics(app).observe_event(event)


@hookimpl
def session_observers(session: TerminalSession, app: Quart) -> list[ByteObserver]:
    return [metrics(app).observer(session)]


@hookimpl
def extra_js_urls() -> list[str]:
    return [static_url(NAME, "monitoring.js")]


@hookimpl
def extra_css_urls() -> list[str]:
    return [static_url(NAME, "monitoring.css")]


@hookimpl
async def startup(app: Quart) -> None:
    metrics(app)  # before the first event or request, so nothing is counted twice


@hookimpl
async def shutdown(app: Quart) -> None:
    prober = app.extensions.pop(PROBER, None)
    if prober is not None:
        await prober.close()
    # The database may be unreachable by now: the row then ages out of the totals.
    with contextlib.suppress(Exception):
        await aggregate.forget(app)
