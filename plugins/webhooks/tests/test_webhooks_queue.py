"""Bounded resources: a receiver that stays down fills a bounded queue per webhook (drops
counted, alerted once) while the gateway goes on; an attempt has a deadline; finished
deliveries are forgotten after the retention period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import FAST
from sqlalchemy import select, update
from webhooks_receiver import create_webhook, deliveries

from sshgate.api import db_session, utcnow
from sshgate.testing.browser import free_port
from sshgate.testing.terminal import eventually
from sshgate_webhooks.models import Attempt, Message
from sshgate_webhooks.worker import PURGED, purge


@pytest.fixture
def webhooks_settings(request):
    # Retries far apart: the queue only fills while the receiver stays down.
    slow = {"max_queue": 3, "backoff_base": 3600.0, "backoff_cap": 3600.0}
    return {**FAST, **slow, **getattr(request, "param", {})}


async def test_a_full_queue_drops_counts_and_alerts_once(admin_client, receiver):
    down = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    full = await create_webhook(admin_client, down, events=["webhooks.updated"])
    full_id = full["webhook"]["id"]
    watcher = await create_webhook(admin_client, receiver.url, events=["webhooks.queue_full"])

    for n in range(6):
        answer = await admin_client.patch(f"/api/webhooks/{full_id}", json={"description": f"{n}"})
        assert answer.status_code == 200  # the gateway answers as ever

    webhook = (await (await admin_client.get(f"/api/webhooks/{full_id}")).get_json())["webhook"]
    assert webhook["queued"] == 3 and webhook["dropped"] == 3 and webhook["overflowing"] is True
    audit = await (
        await admin_client.get("/api/audit", query_string={"action": "webhooks.queue_full"})
    ).get_json()
    [alert] = audit["entries"]
    assert alert["details"]["webhook_id"] == full_id and alert["details"]["max_queue"] == 3
    assert alert["outcome"] == "failure"

    # The alert is itself an event: a webhook that watches for it is told (once).
    await eventually(lambda: receiver.received, "the watcher got the queue_full alert")
    [told] = receiver.received
    assert told.json()["event"] == "webhooks.queue_full"
    assert told.json()["details"]["webhook_id"] == full_id
    assert watcher["webhook"]["id"] != full_id


@pytest.mark.parametrize("webhooks_settings", [{"timeout": 0.5}], indirect=True)
async def test_a_receiver_that_never_answers_times_out(admin_client, receiver):
    receiver.delay = 5.0  # ten times the attempt's deadline
    created = await create_webhook(admin_client, receiver.url, events=["auth.logout"])
    answer = await admin_client.post(f"/api/webhooks/{created['webhook']['id']}/test")
    body = await answer.get_json()
    assert body["ok"] is False and body["delivery"]["error"] == "timed out"
    assert body["delivery"]["latency_ms"] < 5000  # the attempt was cut off, not waited out


async def test_finished_deliveries_are_forgotten_after_the_retention_period(
    app, admin_client, receiver
):
    created = await create_webhook(admin_client, receiver.url, events=["auth.logout"])
    webhook_id = created["webhook"]["id"]
    for _ in range(2):
        answer = await admin_client.post(f"/api/webhooks/{webhook_id}/test")
        assert (await answer.get_json())["ok"] is True
    old, recent = await deliveries(admin_client, webhook_id)  # newest first: reversed below
    old, recent = recent, old
    async with db_session(app) as session:
        await session.execute(
            update(Message)
            .where(Message.id == old["id"])
            .values(finished_at=utcnow() - timedelta(days=31))
        )
    app.extensions.pop(PURGED, None)  # the worker purged at start-up; purge again now
    await purge(app)
    assert [d["id"] for d in await deliveries(admin_client, webhook_id)] == [recent["id"]]
    async with db_session(app) as session:
        left = list(await session.scalars(select(Attempt.message_id)))
    assert left == [recent["id"]]  # the attempt log went with it
