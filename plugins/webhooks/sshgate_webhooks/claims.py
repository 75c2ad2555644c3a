"""Claiming outbox rows: how several delivery workers share the queue without ever sending
one row twice at the same time.

A row is taken by one UPDATE that marks it ``sending`` with a fresh claim token, choosing
rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (rows another worker's claim is locking
are skipped, not waited for; SQLite runs one writer at a time). The claim is renewed right
before sending, and a result is recorded only under the token that sent it. A row whose
worker died while sending becomes due again when its claim runs out.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from quart import Quart
from sqlalchemy import and_, or_, select, update

from sshgate.api import db_session, utcnow

from .models import PENDING, SENDING, Endpoint, Message
from .settings import WebhooksSettings, webhooks_settings
from .signing import new_id


class Claimed(NamedTuple):
    id: str
    endpoint_id: int
    token: str


def due(now: datetime) -> Any:
    return or_(
        and_(Message.status == PENDING, Message.next_attempt_at <= now),
        and_(Message.status == SENDING, Message.claimed_until < now),
    )


async def claim(app: Quart, limit: int) -> list[Claimed]:
    """Take up to ``limit`` due rows of enabled webhooks, oldest first."""
    config = webhooks_settings(app)
    now = utcnow()
    token = new_id()
    enabled = select(Endpoint.id).where(Endpoint.enabled)
    # The rows to take, chosen once: in a CTE, which PostgreSQL evaluates exactly once when
    # it locks rows. As a plain IN (subquery) the planner may run the subquery again for
    # every row it updates, and with SKIP LOCKED each run finds other rows: LIMIT would
    # not hold (seen: 26 rows claimed of LIMIT 5 by concurrent workers).
    chosen = (
        select(Message.id)
        .where(due(now), Message.endpoint_id.in_(enabled))
        .order_by(Message.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("webhooks_due")
    )
    async with db_session(app) as session:
        taken = await session.execute(
            update(Message)
            .where(Message.id.in_(select(chosen.c.id)), due(now))
            .values(
                status=SENDING,
                claim=token,
                claimed_until=now + timedelta(seconds=config.claim_seconds()),
            )
            .returning(Message.id, Message.endpoint_id)
            .execution_options(synchronize_session=False)
        )
        return [Claimed(delivery_id, endpoint_id, token) for delivery_id, endpoint_id in taken]


async def extend(app: Quart, delivery_id: str, token: str, config: WebhooksSettings) -> bool:
    """Renew our claim right before sending; False if it ran out and another worker has
    taken the row meanwhile (rows of a batch may wait for a free slot). Both this and a
    claim are single UPDATEs on the row, so exactly one of two workers wins it, and the
    winner's attempt ends (``timeout``) before its claim does."""
    now = utcnow()
    async with db_session(app) as session:
        renewed = await session.execute(
            update(Message)
            .where(Message.id == delivery_id, Message.claim == token, Message.status == SENDING)
            .values(claimed_until=now + timedelta(seconds=config.claim_seconds()))
            .execution_options(synchronize_session=False)
        )
        return bool(renewed.rowcount)  # type: ignore[attr-defined]


async def release(app: Quart, delivery_id: str, token: str, until: datetime) -> None:
    """Give a claimed row back unattempted, due again at ``until``."""
    async with db_session(app) as session:
        await session.execute(
            update(Message)
            .where(Message.id == delivery_id, Message.claim == token, Message.status == SENDING)
            .values(status=PENDING, claim=None, claimed_until=None, next_attempt_at=until)
            .execution_options(synchronize_session=False)
        )
