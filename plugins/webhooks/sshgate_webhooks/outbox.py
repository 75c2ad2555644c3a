"""Queueing: every audited event that a webhook subscribes to becomes an outbox row.

``track_event`` runs while ``emit`` is awaited, right after the audit entry is written and
before the request that caused the event answers. The rows are committed there, in one
transaction for all webhooks (the hook cannot join the audit entry's): a crash after this
point loses nothing (the delivery worker finds the rows after a restart), and nothing is
kept in memory. Each webhook's queue is bounded: past ``max_queue`` undelivered
rows an event is dropped for that webhook and counted, and one ``webhooks.queue_full``
alert is emitted until a delivery to it succeeds again.
"""

from __future__ import annotations

from quart import Quart
from sqlalchemy import func, select, update

from sshgate.api import Event, db_session, emit, utcnow

from .events import NOT_DELIVERED, QueueFull, matches
from .models import PENDING, SENDING, Endpoint, Message
from .settings import webhooks_settings
from .signing import body_for, new_id


async def enqueue(event: Event, app: Quart) -> list[str]:
    """Queue ``event`` for every enabled webhook that wants it; the delivery ids."""
    if not event.audited or event.name in NOT_DELIVERED:
        return []
    config = webhooks_settings(app)
    queued: list[str] = []
    alerts: list[QueueFull] = []
    event_id = new_id()
    now = utcnow()
    async with db_session(app) as session:
        endpoints = list(await session.scalars(select(Endpoint).where(Endpoint.enabled)))
        for endpoint in endpoints:
            if not matches(list(endpoint.events), event.name):
                continue
            waiting = await session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.endpoint_id == endpoint.id, Message.status.in_((PENDING, SENDING)))
            )
            if (waiting or 0) >= config.max_queue:
                if not endpoint.overflowing:  # read before the UPDATE below sets it
                    alerts.append(
                        QueueFull(
                            webhook_id=endpoint.id,
                            max_queue=config.max_queue,
                            dropped=endpoint.dropped + 1,
                            target=endpoint.url,
                            outcome="failure",
                        )
                    )
                # In SQL, not on the object: concurrent requests each count their drop.
                await session.execute(
                    update(Endpoint)
                    .where(Endpoint.id == endpoint.id)
                    .values(dropped=Endpoint.dropped + 1, overflowing=True)
                    .execution_options(synchronize_session=False)
                )
                continue
            delivery_id = new_id()
            session.add(
                Message(
                    id=delivery_id,
                    endpoint_id=endpoint.id,
                    event_id=event_id,
                    event=event.name,
                    body=body_for(event, delivery_id, event_id),
                    status=PENDING,
                    attempts=0,
                    attempt_limit=config.max_attempts,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            queued.append(delivery_id)
    for alert in alerts:
        await emit(alert, app)  # after the commit; the flag keeps it to one per overflow
    return queued
