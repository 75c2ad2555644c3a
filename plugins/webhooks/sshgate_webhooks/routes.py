"""``/api/webhooks``: administrators manage webhooks and read their delivery logs."""

from __future__ import annotations

import json
from typing import Any

from quart import Blueprint, request
from quart_schema import validate_request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sshgate.api import (
    ApiError,
    current_actor,
    db_session,
    emit,
    registered_events,
    requires,
    secret_box,
    utcnow,
)

from .events import (
    NOT_DELIVERED,
    SecretRotated,
    WebhookCreated,
    WebhookDeleted,
    WebhookUpdated,
)
from .models import DEAD, PENDING, SENDING, Endpoint, Message
from .schemas import WebhookIn, WebhookPatch
from .sender import PURPOSE
from .settings import webhooks_settings
from .signing import new_secret
from .ssrf import literal_refusal

bp = Blueprint("webhooks", __name__, url_prefix="/api/webhooks")
DB_ID_MAX = 2**31 - 1


async def load(session: AsyncSession, webhook_id: int) -> Endpoint:
    endpoint = await session.get(Endpoint, webhook_id) if webhook_id <= DB_ID_MAX else None
    if endpoint is None:
        raise ApiError(404, "not_found", f"no webhook {webhook_id}")
    return endpoint


async def counts(session: AsyncSession) -> dict[int, dict[str, int]]:
    """Per webhook: rows waiting (pending or sending) and dead-lettered."""
    rows = await session.execute(
        select(Message.endpoint_id, Message.status, func.count()).group_by(
            Message.endpoint_id, Message.status
        )
    )
    found: dict[int, dict[str, int]] = {}
    for endpoint_id, status, count in rows:
        bucket = found.setdefault(endpoint_id, {"queued": 0, "dead": 0})
        if status in (PENDING, SENDING):
            bucket["queued"] += count
        elif status == DEAD:
            bucket["dead"] += count
    return found


def described(endpoint: Endpoint, numbers: dict[str, int] | None = None) -> dict[str, Any]:
    return {**endpoint.to_json(), **(numbers or {"queued": 0, "dead": 0})}


def check_destination(url: str) -> None:
    reason = literal_refusal(url, webhooks_settings().networks())
    if reason:
        raise ApiError(
            400,
            "destination_refused",
            f"{reason}; allow-list it with SSHGATE_WEBHOOKS_ALLOW_NETWORKS",
            {"field": "url"},
        )


def sealed_headers(values: dict[str, str]) -> tuple[str | None, list[str]]:
    if not values:
        return None, []
    return secret_box(PURPOSE).encrypt(json.dumps(values)), sorted(values)


@bp.get("")
@requires("admin.webhooks.list")
async def list_webhooks() -> dict[str, Any]:
    async with db_session() as session:
        endpoints = list(await session.scalars(select(Endpoint).order_by(Endpoint.id)))
        numbers = await counts(session)
    return {"webhooks": [described(e, numbers.get(e.id)) for e in endpoints]}


def summary(cls: type) -> str:
    """The first line of the class's docstring; "" for dataclasses without one (whose
    generated __doc__ is only their signature)."""
    lines = (cls.__doc__ or "").strip().splitlines()
    first = lines[0] if lines else ""
    return "" if first.startswith(cls.__name__ + "(") else first


@bp.get("/events")
@requires("admin.webhooks.events.list")
async def event_catalogue() -> dict[str, Any]:
    """Every audited event that installed plugins (and the core) declare."""
    events = [
        {"name": cls.name, "description": summary(cls)}
        for cls in registered_events()
        if cls.audited and cls.name not in NOT_DELIVERED
    ]
    return {"events": events, "wildcards": ["*", "<area>.*"]}


@bp.post("")
@requires("admin.webhooks.create")
@validate_request(WebhookIn)
async def create_webhook(data: WebhookIn) -> tuple[dict[str, Any], int]:
    check_destination(data.url)
    secret = new_secret()
    headers, names = sealed_headers(data.headers)
    actor = current_actor()
    async with db_session() as session:
        endpoint = Endpoint(
            url=data.url,
            description=data.description,
            events=data.events,
            enabled=data.enabled,
            secret=secret_box(PURPOSE).encrypt(secret),
            headers=headers,
            header_names=names,
            dropped=0,
            overflowing=False,
            created_by=actor.username if actor else None,
        )
        session.add(endpoint)
        await session.flush()
        body = described(endpoint)
    await emit(WebhookCreated(webhook_id=body["id"], events=data.events, target=data.url))
    return {"webhook": body, "secret": secret}, 201  # the only time the secret is shown


@bp.get("/<int:webhook_id>")
@requires("admin.webhooks.view")
async def get_webhook(webhook_id: int) -> dict[str, Any]:
    async with db_session() as session:
        endpoint = await load(session, webhook_id)
        numbers = await counts(session)
        return {"webhook": described(endpoint, numbers.get(endpoint.id))}


@bp.patch("/<int:webhook_id>")
@requires("admin.webhooks.update")
@validate_request(WebhookPatch)
async def update_webhook(webhook_id: int, data: WebhookPatch) -> dict[str, Any]:
    if data.url is not None:
        check_destination(data.url)
    changed: list[str] = []  # what really changed (the screen sends every field)
    async with db_session() as session:
        endpoint = await load(session, webhook_id)
        for field in ("url", "events", "description", "enabled"):
            value = getattr(data, field)
            if value is not None and value != getattr(endpoint, field):
                setattr(endpoint, field, value)
                changed.append(field)
        if data.headers is not None:
            endpoint.headers, endpoint.header_names = sealed_headers(data.headers)
            changed.append("headers")  # values are never compared: they are secrets
        endpoint.updated_at = utcnow()
        await session.flush()
        numbers = await counts(session)
        body = described(endpoint, numbers.get(endpoint.id))
    await emit(WebhookUpdated(webhook_id=webhook_id, changed=changed, target=body["url"]))
    return {"webhook": body}


@bp.delete("/<int:webhook_id>")
@requires("admin.webhooks.delete")
async def delete_webhook(webhook_id: int) -> tuple[str, int]:
    async with db_session() as session:
        endpoint = await load(session, webhook_id)
        url = endpoint.url
        await session.delete(endpoint)
    await emit(WebhookDeleted(webhook_id=webhook_id, target=url))
    return "", 204


@bp.post("/<int:webhook_id>/secret")
@requires("admin.webhooks.secret.rotate")
async def rotate_secret(webhook_id: int) -> dict[str, Any]:
    """A new signing secret, shown once; deliveries sign with it from now on."""
    secret = new_secret()
    async with db_session() as session:
        endpoint = await load(session, webhook_id)
        endpoint.secret = secret_box(PURPOSE).encrypt(secret)
        endpoint.updated_at = utcnow()
        url = endpoint.url
    await emit(SecretRotated(webhook_id=webhook_id, target=url))
    return {"secret": secret}


def limit_arg() -> int:
    raw = request.args.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= 200:
        raise ApiError(400, "validation_error", "limit must be 1 to 200")
    return int(raw)
