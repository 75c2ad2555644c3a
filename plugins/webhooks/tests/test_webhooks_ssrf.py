"""Destinations are checked after DNS, when sending: loopback, private, link-local and
metadata addresses are refused unless allow-listed, and redirects are never followed.

Here only 127.0.0.2 is allow-listed: the receiver there is a permitted destination, and a
second receiver on 127.0.0.1 stands for everything that must never be reached (it would
answer if anything got through).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest
from conftest import FAST
from webhooks_receiver import Receiver, create_webhook, deliveries

from sshgate.testing.terminal import eventually
from sshgate_webhooks.ssrf import forbidden

ALLOWED = [ipaddress.ip_network("127.0.0.2/32")]


@pytest.fixture
def webhooks_settings():
    return {**FAST, "allow_networks": "127.0.0.2/32"}


@pytest.fixture
def allowed_receiver() -> Iterator[Receiver]:
    started = Receiver(host="127.0.0.2").start()
    try:
        yield started
    finally:
        started.stop()


async def ping(admin_client, webhook_id: int) -> dict:
    answer = await admin_client.post(f"/api/webhooks/{webhook_id}/test")
    assert answer.status_code == 200, await answer.get_json()
    return await answer.get_json()


async def test_a_name_that_resolves_to_loopback_is_refused_when_sending(admin_client, receiver):
    # Saved (a name is only judged by what it resolves to when a delivery goes out)...
    created = await create_webhook(
        admin_client, f"http://localhost:{receiver.port}/hook", events=["webhooks.updated"]
    )
    webhook_id = created["webhook"]["id"]
    # ...refused by the Test button...
    answer = await ping(admin_client, webhook_id)
    assert answer["ok"] is False
    assert answer["delivery"]["error"] == (
        "destination refused: localhost resolves to 127.0.0.1, a loopback address"
    )
    # ...and by the delivery worker, at once and for good: a refusal is not retried.
    await admin_client.patch(f"/api/webhooks/{webhook_id}", json={"description": "go"})

    async def dead():
        found = await deliveries(admin_client, webhook_id, status="dead")
        return [d for d in found if d["event"] == "webhooks.updated"]

    [message] = await eventually(dead, "the event is dead-lettered as refused")
    assert message["attempts"] == 1 and "loopback" in message["error"]
    detail = await (
        await admin_client.get(f"/api/webhooks/{webhook_id}/deliveries/{message['id']}")
    ).get_json()
    [attempt] = detail["delivery"]["attempt_log"]
    assert attempt["outcome"] == "refused" and attempt["status_code"] is None
    assert receiver.received == []  # nothing ever reached 127.0.0.1


@pytest.mark.parametrize("status", [302, 307])
async def test_a_redirect_to_a_forbidden_address_is_not_followed(
    admin_client, allowed_receiver, receiver, status
):
    allowed_receiver.status = status
    allowed_receiver.location = receiver.url  # http://127.0.0.1:<port>/hook
    created = await create_webhook(admin_client, allowed_receiver.url, events=["auth.logout"])
    answer = await ping(admin_client, created["webhook"]["id"])
    assert answer["ok"] is False
    assert answer["delivery"]["status_code"] == status
    assert answer["delivery"]["error"] == f"redirect to {receiver.url!r} not followed"
    assert len(allowed_receiver.received) == 1
    assert receiver.received == []


async def test_the_allow_listed_receiver_is_reached(admin_client, allowed_receiver):
    created = await create_webhook(admin_client, allowed_receiver.url, events=["auth.logout"])
    answer = await ping(admin_client, created["webhook"]["id"])
    assert answer["ok"] is True, answer
    assert [r.json()["event"] for r in allowed_receiver.received] == ["webhooks.ping"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata (AWS, GCP, Azure)
        "http://[fd00:ec2::254]/latest/meta-data/",  # AWS metadata over IPv6
        "http://100.100.100.200/latest/meta-data/",  # Alibaba metadata (shared space)
        "http://10.1.2.3/hook",
        "http://192.168.1.1/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0:9000/hook",
    ],
)
async def test_forbidden_ip_literals_are_refused_when_saved(admin_client, url):
    answer = await admin_client.post("/api/webhooks", json={"url": url, "events": ["*"]})
    assert answer.status_code == 400, await answer.get_json()
    error = (await answer.get_json())["error"]
    assert error["code"] == "destination_refused" and error["details"] == {"field": "url"}
    assert "SSHGATE_WEBHOOKS_ALLOW_NETWORKS" in error["message"]
    created = await create_webhook(
        admin_client, "https://hooks.example.com/", events=["auth.logout"]
    )
    changed = await admin_client.patch(
        f"/api/webhooks/{created['webhook']['id']}", json={"url": url}
    )
    assert changed.status_code == 400
    assert (await changed.get_json())["error"]["code"] == "destination_refused"


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("100.64.0.1", "private"),
        ("fd00:ec2::254", "private"),
        ("192.0.2.1", "private"),
        ("0.0.0.0", "not a unicast"),
        ("224.0.0.1", "not a unicast"),
        ("255.255.255.255", "not a unicast"),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("127.0.0.2", None),  # allow-listed
    ],
)
def test_which_addresses_are_refused(address, reason):
    found = forbidden(ipaddress.ip_address(address), ALLOWED)
    if reason is None:
        assert found is None
    else:
        assert found is not None and reason in found, found
