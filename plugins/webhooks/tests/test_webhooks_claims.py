"""Claiming outbox rows is safe with several delivery workers at once: no row is sent
twice, and on PostgreSQL a worker skips rows another one has locked instead of waiting.

The delivery loops here are the plugin's own (``deliver_due``, ``claim``), run side by side
on separate database connections, past the lease that normally keeps them apart: the
claim must hold on its own (a lease can change hands while its old holder still sends).
"""

from __future__ import annotations

import asyncio

import pytest
from conftest import FAST
from sqlalchemy import select
from webhooks_receiver import Receiver, create_webhook, deliveries

from sshgate.api import db_session
from sshgate_webhooks.claims import claim
from sshgate_webhooks.models import Message
from sshgate_webhooks.worker import deliver_due

EVENTS = 40


@pytest.fixture
def webhooks_settings(request):
    # The app's own worker runs once at start-up and then not for an hour: the test's
    # loops do all the claiming. Small batches, so that every loop gets some.
    mine = {"poll_interval": 3600.0, "batch_size": 5, "concurrency": 2}
    return {**FAST, **mine, **getattr(request, "param", {})}


async def queue_events(admin_client, webhook_id: int, count: int) -> None:
    for n in range(count):
        answer = await admin_client.patch(
            f"/api/webhooks/{webhook_id}", json={"description": f"{n}"}
        )
        assert answer.status_code == 200


async def test_concurrent_workers_deliver_each_row_exactly_once(app, admin_client, receiver):
    receiver.delay = 0.05  # a slow receiver: deliveries of different loops overlap
    created = await create_webhook(admin_client, receiver.url, events=["webhooks.updated"])
    webhook_id = created["webhook"]["id"]
    await queue_events(admin_client, webhook_id, EVENTS)
    queued = await deliveries(admin_client, webhook_id, status="pending", limit="200")
    assert len(queued) == EVENTS

    rounds: list[int] = []

    async def worker() -> int:
        attempted = 0
        while taken := await deliver_due(app):
            rounds.append(taken)
            attempted += taken
        return attempted

    done = await asyncio.gather(*(worker() for _ in range(3)))
    assert sum(done) == EVENTS, done
    assert max(rounds) <= 5, rounds  # a claim takes at most batch_size rows, even concurrently
    assert sum(1 for n in done if n) >= 2, done  # they did run side by side
    assert sorted(receiver.ids()) == sorted(d["id"] for d in queued)  # each exactly once
    assert receiver.overlaps == []
    delivered = await deliveries(admin_client, webhook_id, status="delivered", limit="200")
    assert len(delivered) == EVENTS and {d["attempts"] for d in delivered} == {1}


@pytest.mark.sshgate_db("postgresql")
async def test_a_claim_skips_rows_locked_by_another_worker(app, admin_client, receiver):
    created = await create_webhook(admin_client, receiver.url, events=["webhooks.updated"])
    await queue_events(admin_client, created["webhook"]["id"], 10)
    async with db_session(app) as other:
        locked = list(
            await other.scalars(
                select(Message.id).order_by(Message.next_attempt_at).limit(4).with_for_update()
            )
        )
        # Another worker's transaction holds four rows: a claim takes the other six at
        # once (FOR UPDATE SKIP LOCKED) instead of waiting for that transaction to end.
        taken = await asyncio.wait_for(claim(app, 100), 30)
        assert len(taken) == 6 and not {row.id for row in taken} & set(locked)
    first = await claim(app, 3)  # LIMIT holds
    rest = await claim(app, 100)
    assert sorted(row.id for row in first + rest) == sorted(locked) and len(first) == 3


@pytest.mark.parametrize("webhooks_settings", [{"timeout": 1.0, "batch_size": 50}], indirect=True)
async def test_a_hanging_receiver_holds_up_the_others_for_one_attempt_only(
    app, admin_client, receiver
):
    hanging = Receiver(delay=10.0).start()  # accepts, then answers long after the timeout
    try:
        slow = await create_webhook(admin_client, hanging.url, events=["webhooks.updated"])
        fast = await create_webhook(admin_client, receiver.url, events=["webhooks.updated"])
        slow_id, fast_id = slow["webhook"]["id"], fast["webhook"]["id"]
        await queue_events(admin_client, slow_id, 10)  # ten events, each for both webhooks

        assert await deliver_due(app) == 20  # one round, both webhooks' rows
        assert len(receiver.received) == 10  # the healthy receiver got everything
        assert 1 <= len(hanging.received) <= 2  # at most CONCURRENCY attempts timed out
        rows = await deliveries(admin_client, slow_id, limit="200")
        tried = [d for d in rows if d["attempts"]]
        assert [d["error"] for d in tried] == ["timed out"] * len(tried)
        # The rest went back to the queue untried, due when the failed one is retried.
        untried = [d for d in rows if not d["attempts"]]
        assert len(untried) == 10 - len(tried)
        assert {d["status"] for d in rows} == {"pending"}
        [retry] = {d["next_attempt_at"] for d in untried}
        assert retry in {d["next_attempt_at"] for d in tried}
        delivered = await deliveries(admin_client, fast_id, status="delivered", limit="200")
        assert len(delivered) == 10
    finally:
        hanging.stop()
