"""The delivery worker: claim due rows, send them, record each attempt, retry or give up.

It runs as a singleton background task (one worker process at a time, under a lease), but
does not rely on it: claims (:mod:`.claims`) keep two workers from sending one row at the
same time. Deliveries are at least once: a worker that dies after sending, before
recording, leaves the row to be sent again.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import datetime, timedelta

import httpx
from quart import Quart
from sqlalchemy import delete, select, update

from sshgate.api import db_session, emit, secret_box, utcnow

from .claims import Claimed, claim, extend, release
from .events import DeadLettered
from .models import DEAD, DELIVERED, PENDING, SENDING, Attempt, Endpoint, Message
from .sender import PURPOSE, Result, send
from .settings import WebhooksSettings, webhooks_settings
from .ssrf import vetted_client

CLIENT = "webhooks.client"
PURGED = "webhooks.purged_at"  # time.monotonic() of this worker's last purge
PURGE_EVERY = 600.0
PING = "webhooks.ping"  # test deliveries: their failure is answered, not alerted


def client_for(app: Quart) -> httpx.AsyncClient:
    client: httpx.AsyncClient | None = app.extensions.get(CLIENT)
    if client is None:  # started lazily for apps that never ran startup (commands)
        config = webhooks_settings(app)
        client = vetted_client(config.networks(), config.timeout, config.ca_file)
        app.extensions[CLIENT] = client
    return client


def backoff(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds before retry ``attempt`` (1 = the first retry): exponential, capped, with
    "equal jitter" (between half and all of it) so that a receiver coming back is not hit
    by every queued delivery at the same instant."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


async def deliver_due(app: Quart) -> int:
    """One round: claim a batch and deliver it, a few at a time. The number claimed.

    A webhook whose delivery fails in this round gets no more attempts in it: its other
    rows go back to the queue, due when the failed one is retried. A receiver that is down
    (each attempt waiting for its timeout) so holds up the others' deliveries for one
    attempt at most, not for its whole backlog.
    """
    config = webhooks_settings(app)
    claimed = await claim(app, config.batch_size)
    gate = asyncio.Semaphore(config.concurrency)
    failing: dict[int, datetime] = {}  # webhook id -> when its failed delivery is retried

    async def one(row: Claimed) -> None:
        async with gate:
            until = failing.get(row.endpoint_id)
            if until is not None:
                await release(app, row.id, row.token, until)
                return
            retry_at = await attempt(app, row.id, row.token, config)
            if retry_at is not None:
                failing.setdefault(row.endpoint_id, retry_at)

    await asyncio.gather(*(one(row) for row in claimed))
    return len(claimed)


async def attempt(
    app: Quart, delivery_id: str, token: str, config: WebhooksSettings
) -> datetime | None:
    """Send one claimed row and record how it went; when it is retried (None: delivered,
    dead-lettered, or no longer ours)."""
    async with db_session(app) as session:
        row = (
            await session.execute(
                select(Message, Endpoint)
                .join(Endpoint, Endpoint.id == Message.endpoint_id)
                .where(Message.id == delivery_id, Message.claim == token)
            )
        ).first()
        if row is None:
            return None  # deleted meanwhile, or another worker took it over
        message, endpoint = row
        session.expunge_all()
    if not await extend(app, delivery_id, token, config):
        return None
    started = utcnow()
    result = await send(
        client_for(app),
        secret_box(PURPOSE, app),
        endpoint,
        message.id,
        message.event,
        message.body,
        config.response_prefix,
        config.timeout,
    )
    return await record(app, message, token, started, result, config)


async def record(
    app: Quart,
    message: Message,
    token: str,
    started: datetime,
    result: Result,
    config: WebhooksSettings,
) -> datetime | None:
    """Store the attempt's outcome, under our claim only; when the row is retried."""
    attempts = message.attempts + 1
    now = utcnow()
    retry_at: datetime | None = None
    if result.ok:
        status = DELIVERED
    elif result.outcome == "refused" or attempts >= message.attempt_limit:
        status = DEAD  # a refused destination stays refused: redeliver after fixing it
    else:
        status = PENDING
        delay = backoff(attempts, config.backoff_base, config.backoff_cap)
        retry_at = now + timedelta(seconds=delay)
    async with db_session(app) as session:
        changed = await session.execute(
            update(Message)
            .where(Message.id == message.id, Message.claim == token, Message.status == SENDING)
            .values(
                status=status,
                attempts=attempts,
                claim=None,
                claimed_until=None,
                next_attempt_at=retry_at or message.next_attempt_at,
                finished_at=None if status == PENDING else now,
                last_status_code=result.status_code,
                last_error=result.error,
                last_latency_ms=result.latency_ms,
            )
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount == 0:  # type: ignore[attr-defined]
            return None  # our claim ran out and another worker took the row over
        session.add(
            Attempt(
                message_id=message.id,
                endpoint_id=message.endpoint_id,
                attempt=attempts,
                started_at=started,
                outcome=result.outcome,
                status_code=result.status_code,
                latency_ms=result.latency_ms,
                error=result.error,
                response=result.response,
                retry_at=retry_at,
            )
        )
        if result.ok:  # the receiver is back: a later overflow alerts again
            await session.execute(
                update(Endpoint)
                .where(Endpoint.id == message.endpoint_id, Endpoint.overflowing)
                .values(overflowing=False)
            )
    if status == DEAD and message.event != PING:
        await emit(
            DeadLettered(
                webhook_id=message.endpoint_id,
                delivery_id=message.id,
                attempts=attempts,
                error=result.error,
                outcome="failure",
            ),
            app,
        )
    return retry_at


async def purge(app: Quart) -> None:
    """Forget finished deliveries after the retention period (the log stays bounded). At
    most every PURGE_EVERY seconds: the worker's rounds are far more frequent than that."""
    now = time.monotonic()
    last: float | None = app.extensions.get(PURGED)
    if last is not None and now - last < PURGE_EVERY:
        return
    app.extensions[PURGED] = now
    cutoff = utcnow() - timedelta(days=webhooks_settings(app).retention_days)
    async with db_session(app) as session:
        await session.execute(
            delete(Message).where(
                Message.status.in_((DELIVERED, DEAD)), Message.finished_at < cutoff
            )
        )


async def run(app: Quart) -> None:
    """The background task: deliver until nothing is due, then tidy up."""
    while await deliver_due(app) >= webhooks_settings(app).batch_size:
        pass
    await purge(app)
