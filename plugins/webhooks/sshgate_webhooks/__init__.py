"""sshgate-webhooks: HMAC-signed deliveries of audited events through a durable outbox.

``track_event`` queues an outbox row per subscribed webhook (:mod:`.outbox`); a singleton
background task delivers them (:mod:`.worker`) through an HTTP client that refuses
non-public destinations (:mod:`.ssrf`); administrators manage webhooks at
``/api/webhooks`` and on the Webhooks screen (``static/webhooks.js``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel
from quart import Blueprint, Quart

from sshgate.api import (
    BackgroundTask,
    EncryptedColumn,
    Event,
    hookimpl,
    static_url,
)

from . import deliveries, routes, worker
from .events import EVENTS, Ping
from .models import Endpoint
from .outbox import enqueue
from .sender import PURPOSE
from .settings import NAME, WebhooksSettings, webhooks_settings

SSHGATE_CONTRACT = "1.3"  # background tasks and encrypted columns came in 1.3
_ROUTES = (deliveries,)  # importing it adds its views to routes.bp


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [routes.bp]


@hookimpl
def register_settings() -> dict[str, type[BaseModel]]:
    return {NAME: WebhooksSettings}


@hookimpl
def register_migrations() -> list[str]:
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def register_events() -> list[type[Event]]:
    return [*EVENTS, Ping]


@hookimpl
def register_encrypted_columns() -> list[EncryptedColumn]:
    # Both hold secret_box("webhooks") tokens: the signing secret and the custom headers
    # (which often carry a receiver's own credentials).
    return [
        EncryptedColumn(model=Endpoint, column="secret", purpose=PURPOSE, label="url"),
        EncryptedColumn(model=Endpoint, column="headers", purpose=PURPOSE, label="url"),
    ]


@hookimpl
def register_background_tasks(app: Quart) -> list[BackgroundTask]:
    config = webhooks_settings(app)
    return [
        BackgroundTask(
            name="webhooks.deliver",
            run=worker.run,
            interval=config.poll_interval,
            singleton=True,
            ttl=config.lease_ttl,
        )
    ]


@hookimpl
async def track_event(event: Event, app: Quart) -> None:
    await enqueue(event, app)


@hookimpl
def extra_js_urls() -> list[str]:
    return [static_url(NAME, "webhooks.js")]


@hookimpl
def extra_css_urls() -> list[str]:
    return [static_url(NAME, "webhooks.css")]


@hookimpl
async def startup(app: Quart) -> None:
    worker.client_for(app)  # one HTTP client per worker process, closed at shutdown


@hookimpl
async def shutdown(app: Quart) -> None:
    client = app.extensions.pop(worker.CLIENT, None)
    if client is not None:
        await client.aclose()
