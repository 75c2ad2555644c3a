"""``/api/webhooks/<id>/deliveries`` (the log, redelivery) and ``/test`` (a ping now)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from quart import Quart, current_app, request
from sqlalchemy import and_, or_, select

from sshgate.api import ApiError, db_session, emit, requires, utcnow

from .events import DeliveryRead, Ping, Redelivered, WebhookTested
from .models import DEAD, DELIVERED, PENDING, SENDING, Attempt, Message
from .routes import bp, limit_arg, load
from .settings import webhooks_settings
from .signing import body_for, new_id
from .worker import attempt

DELIVERY_ID = re.compile(r"^[0-9a-f]{32}$")
STATUSES = (PENDING, SENDING, DELIVERED, DEAD)


async def message_of(webhook_id: int, delivery_id: str) -> Message:
    async with db_session() as session:
        message = (
            await session.get(Message, delivery_id) if DELIVERY_ID.match(delivery_id) else None
        )
    if message is None or message.endpoint_id != webhook_id:
        raise ApiError(404, "not_found", f"no delivery {delivery_id[:40]} of webhook {webhook_id}")
    return message


@bp.get("/<int:webhook_id>/deliveries")
@requires("admin.webhooks.deliveries.list")
async def list_deliveries(webhook_id: int) -> dict[str, Any]:
    """Newest first; ``status`` narrows, ``before`` (a delivery's created_at) pages."""
    status = request.args.get("status", "")
    if status and status not in STATUSES:
        raise ApiError(400, "validation_error", f"status must be one of {', '.join(STATUSES)}")
    limit = limit_arg()
    async with db_session() as session:
        await load(session, webhook_id)
        query = select(Message).where(Message.endpoint_id == webhook_id)
        if status:
            query = query.where(Message.status == status)
        before = request.args.get("before")
        if before:
            older = await session.get(Message, before) if DELIVERY_ID.match(before) else None
            if older is None:
                raise ApiError(400, "validation_error", "before must be a delivery id")
            # Keyset paging in the order below: older rows, or as old with a smaller id.
            query = query.where(
                or_(
                    Message.created_at < older.created_at,
                    and_(Message.created_at == older.created_at, Message.id < older.id),
                )
            )
        rows = list(
            await session.scalars(
                query.order_by(Message.created_at.desc(), Message.id.desc()).limit(limit + 1)
            )
        )
    page = rows[:limit]
    return {
        "deliveries": [m.to_json() for m in page],
        "next_before": page[-1].id if len(rows) > limit else None,
    }


@bp.get("/<int:webhook_id>/deliveries/<delivery_id>")
@requires("admin.webhooks.deliveries.view")
async def get_delivery(webhook_id: int, delivery_id: str) -> dict[str, Any]:
    """One delivery with its payload (an audit event's details: reading it is audited) and
    the log of its attempts."""
    message = await message_of(webhook_id, delivery_id)
    async with db_session() as session:
        attempts = list(
            await session.scalars(
                select(Attempt).where(Attempt.message_id == message.id).order_by(Attempt.id)
            )
        )
    await emit(DeliveryRead(webhook_id=webhook_id, delivery_id=message.id))
    return {
        "delivery": {
            **message.to_json(),
            "payload": message.payload(),
            "attempt_log": [a.to_json() for a in attempts],
        }
    }


@bp.post("/<int:webhook_id>/deliveries/<delivery_id>/redeliver")
@requires("admin.webhooks.deliveries.redeliver")
async def redeliver(webhook_id: int, delivery_id: str) -> dict[str, Any]:
    """Queue it again with a fresh set of attempts; the delivery id (and so the receiver's
    idempotency key) stays the same."""
    message = await message_of(webhook_id, delivery_id)
    if message.status in (PENDING, SENDING):
        raise ApiError(409, "conflict", "this delivery is still queued")
    config = webhooks_settings()
    async with db_session() as session:
        row = await session.get(Message, message.id)
        if row is None:
            raise ApiError(404, "not_found", f"no delivery {delivery_id}")
        row.status = PENDING
        row.attempt_limit = row.attempts + config.max_attempts
        row.next_attempt_at = utcnow()
        row.finished_at = None
        body = row.to_json()
    await emit(Redelivered(webhook_id=webhook_id, delivery_id=message.id))
    return {"delivery": body}


@bp.post("/<int:webhook_id>/test")
@requires("admin.webhooks.test")
async def test_webhook(webhook_id: int) -> dict[str, Any]:
    """Send a ``webhooks.ping`` delivery now and answer with how it went. It is logged
    like any delivery, with a single attempt (no retries)."""
    token = new_id()
    now = utcnow()
    config = webhooks_settings()
    async with db_session() as session:
        endpoint = await load(session, webhook_id)
        delivery_id = new_id()
        ping = Ping(webhook_id=webhook_id, target=endpoint.url)
        message = Message(
            id=delivery_id,
            endpoint_id=webhook_id,
            event_id=new_id(),
            event=Ping.name,
            body=body_for(ping, delivery_id, new_id()),
            status=SENDING,
            attempts=0,
            attempt_limit=1,
            next_attempt_at=now,
            claim=token,
            claimed_until=now + timedelta(seconds=config.claim_seconds()),
            created_at=now,
        )
        session.add(message)
    await attempt(request_app(), delivery_id, token, config)
    async with db_session() as session:
        done = await session.get(Message, delivery_id)
        assert done is not None
        body = done.to_json()
    await emit(
        WebhookTested(
            webhook_id=webhook_id,
            status_code=body["status_code"],
            error=body["error"],
            target=endpoint.url,
            outcome="success" if body["status"] == DELIVERED else "failure",
        )
    )
    return {"delivery": body, "ok": body["status"] == DELIVERED}


def request_app() -> Quart:
    return current_app._get_current_object()  # type: ignore[attr-defined]
