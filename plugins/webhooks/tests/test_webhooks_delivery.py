"""Deliveries to a real receiver on loopback (allow-listed): signed, retried with backoff,
dead-lettered, redelivered; bounded queues; the Test button."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from webhooks_receiver import create_webhook, deliveries, verify

from sshgate.testing.terminal import eventually


async def test_an_event_arrives_signed_with_every_field(admin_client, receiver):
    created = await create_webhook(
        admin_client, receiver.url, events=["registry.*"], headers={"X-Env": "prod"}
    )
    secret, webhook_id = created["secret"], created["webhook"]["id"]
    added = await admin_client.post(
        "/api/servers",
        json={"name": "web-1", "host": "192.0.2.7", "username": "ops", "group": "dev"},
    )
    assert added.status_code == 201, await added.get_json()

    await eventually(lambda: receiver.received, "the receiver got the delivery")
    got = receiver.received[0]
    assert verify(secret, got.headers, got.body)  # an independent HMAC-SHA256 check
    assert not verify("whsec_wrong", got.headers, got.body)
    body = got.json()
    assert body["event"] == "registry.server_changed" and body["actor"] == admin_client.username
    assert body["outcome"] == "success" and body["target"]
    assert {"id", "event_id", "created", "source_ip", "details"} <= set(body)
    assert got.headers["Idempotency-Key"] == got.headers["X-Sshgate-Delivery"] == body["id"]
    assert got.headers["X-Sshgate-Event"] == body["event"]
    assert got.headers["X-Env"] == "prod"
    assert int(got.headers["X-Sshgate-Timestamp"]) > 0

    async def delivered():
        found = await deliveries(admin_client, webhook_id)
        return found if found and found[0]["status"] == "delivered" else None

    [logged] = await eventually(delivered, "the delivery is logged as delivered")
    assert logged["id"] == body["id"] and logged["status_code"] == 200 and logged["attempts"] == 1
    detail = await (
        await admin_client.get(f"/api/webhooks/{webhook_id}/deliveries/{logged['id']}")
    ).get_json()
    [attempt] = detail["delivery"]["attempt_log"]
    assert attempt["outcome"] == "success" and attempt["latency_ms"] >= 0
    assert len(attempt["response"]) == 512 and attempt["response"].startswith("ok ")


@pytest.fixture
def webhooks_settings(webhooks_settings):
    return {**webhooks_settings, "max_attempts": 4}


async def test_failures_are_retried_with_capped_jittered_backoff_then_dead_lettered(
    admin_client, receiver
):
    receiver.status = 500
    created = await create_webhook(admin_client, receiver.url, events=["webhooks.updated"])
    webhook_id = created["webhook"]["id"]
    await admin_client.patch(f"/api/webhooks/{webhook_id}", json={"description": "retry me"})

    async def dead():
        found = await deliveries(admin_client, webhook_id, status="dead")
        return found[0] if found else None

    message = await eventually(dead, "the delivery is dead-lettered after 4 attempts")
    assert message["attempts"] == 4 and message["status_code"] == 500
    assert len(receiver.received) == 4
    assert len({r.headers["X-Sshgate-Delivery"] for r in receiver.received}) == 1
    detail = await (
        await admin_client.get(f"/api/webhooks/{webhook_id}/deliveries/{message['id']}")
    ).get_json()
    log = detail["delivery"]["attempt_log"]
    assert [a["attempt"] for a in log] == [1, 2, 3, 4]
    # Retry n waits between half and all of min(cap=1.0, base=0.2 * 2**(n-1)) seconds,
    # as recorded when the attempt failed (no wall-clock measurement).
    for entry in log[:-1]:
        ceiling = min(1.0, 0.2 * 2 ** (entry["attempt"] - 1))
        waited = (
            datetime.fromisoformat(entry["retry_at"]) - datetime.fromisoformat(entry["started_at"])
        ).total_seconds()
        assert ceiling / 2 - 0.01 <= waited <= ceiling + 0.5, (entry, ceiling)
    assert log[-1]["retry_at"] is None
    for failed, retried in itertools.pairwise(log):  # and no retry came early
        when = datetime.fromisoformat
        assert when(retried["started_at"]) >= when(failed["retry_at"]), (failed, retried)

    audit = await (
        await admin_client.get("/api/audit", query_string={"action": "webhooks.dead_lettered"})
    ).get_json()
    assert [e["details"]["delivery_id"] for e in audit["entries"]] == [message["id"]]

    # Redelivery from the log: same delivery id, a fresh set of attempts.
    receiver.status = 200
    again = await admin_client.post(
        f"/api/webhooks/{webhook_id}/deliveries/{message['id']}/redeliver"
    )
    assert again.status_code == 200, await again.get_json()

    async def redelivered():
        found = await deliveries(admin_client, webhook_id, status="delivered")
        return found[0] if found else None

    done = await eventually(redelivered, "the redelivery succeeded")
    assert done["id"] == message["id"] and done["attempts"] == 5
    assert receiver.received[-1].json()["id"] == message["id"]


async def test_a_receiver_that_recovers_gets_the_event_once_more(admin_client, receiver):
    receiver.script.extend([503, 502])  # down twice, then 200
    created = await create_webhook(admin_client, receiver.url, events=["webhooks.updated"])
    webhook_id = created["webhook"]["id"]
    await admin_client.patch(f"/api/webhooks/{webhook_id}", json={"description": "x"})

    async def delivered():
        found = await deliveries(admin_client, webhook_id, status="delivered")
        return found[0] if found else None

    done = await eventually(delivered, "delivered on the third attempt")
    assert done["attempts"] == 3
    assert [r.json()["id"] for r in receiver.received] == [done["id"]] * 3


async def test_the_test_button_sends_a_ping_and_says_how_it_went(admin_client, receiver):
    created = await create_webhook(admin_client, receiver.url, events=["registry.server_changed"])
    webhook_id = created["webhook"]["id"]
    answer = await (await admin_client.post(f"/api/webhooks/{webhook_id}/test")).get_json()
    assert answer["ok"] is True and answer["delivery"]["status_code"] == 200
    [got] = receiver.received
    assert got.json()["event"] == "webhooks.ping"
    assert verify(created["secret"], got.headers, got.body)

    receiver.status = 404
    answer = await (await admin_client.post(f"/api/webhooks/{webhook_id}/test")).get_json()
    assert answer["ok"] is False and answer["delivery"]["error"] == "HTTP 404"
    assert answer["delivery"]["status"] == "dead"  # a test is tried once


async def test_disabled_webhooks_get_nothing(admin_client, receiver):
    created = await create_webhook(
        admin_client, receiver.url, events=["webhooks.updated"], enabled=False
    )
    webhook_id = created["webhook"]["id"]
    await admin_client.patch(f"/api/webhooks/{webhook_id}", json={"description": "x"})
    assert await deliveries(admin_client, webhook_id) == []


def readme_verifier(clock: Callable[[], float] = time.time) -> Callable[..., bool]:
    """The verification snippet of the plugin's README, as a receiver would paste it, with
    ``clock`` as its ``time.time``."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("## Verifying a delivery", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    namespace["time"] = SimpleNamespace(time=clock)
    verifier: Callable[..., bool] = namespace["verify_sshgate_webhook"]
    return verifier


async def test_the_readme_snippet_verifies_real_deliveries(admin_client, receiver):
    verify_sshgate_webhook = readme_verifier()
    created = await create_webhook(admin_client, receiver.url, events=["auth.logout"])
    answer = await admin_client.post(f"/api/webhooks/{created['webhook']['id']}/test")
    assert (await answer.get_json())["ok"] is True
    [got] = receiver.received
    secret = created["secret"]
    assert verify_sshgate_webhook(secret, got.headers, got.body)
    assert not verify_sshgate_webhook("whsec_someone-else", got.headers, got.body)
    assert not verify_sshgate_webhook(secret, got.headers, got.body + b" ")
    # The same request replayed an hour later is refused.
    an_hour_later = readme_verifier(lambda: time.time() + 3600)
    assert not an_hour_later(secret, got.headers, got.body)
