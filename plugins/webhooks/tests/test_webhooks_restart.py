"""Real gateway processes. One killed with SIGKILL while it retries: after a restart on the
same database every queued event is delivered once more and nothing is lost. Two on one
database: one delivers (the lease), and when it dies the other takes over. And
``sshgate rotate-key`` re-encrypts the webhooks' secrets and custom headers."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from webhooks_receiver import Receiver, verify

from sshgate.testing.browser import (
    ADMIN_PASSWORD,
    SECRET_KEY,
    SshgateProcess,
    start_sshgate,
    stop_sshgate,
)
from sshgate.testing.terminal import eventually

NEW_KEY = "the-rotated-webhooks-secret-key-" + "r" * 32


def environment(db_url: str, secret_key: str = SECRET_KEY) -> dict[str, str]:
    return {
        "SSHGATE_DB_URL": db_url,
        "SSHGATE_SECRET_KEY": secret_key,
        "SSHGATE_WEBHOOKS_ALLOW_NETWORKS": "127.0.0.1/32",
        "SSHGATE_WEBHOOKS_POLL_INTERVAL": "0.2",
        "SSHGATE_WEBHOOKS_BACKOFF_BASE": "0.3",
        "SSHGATE_WEBHOOKS_BACKOFF_CAP": "1",
        "SSHGATE_WEBHOOKS_MAX_ATTEMPTS": "50",  # never dead-lettered during the test
        "SSHGATE_WEBHOOKS_TIMEOUT": "3",
        "SSHGATE_WEBHOOKS_LEASE_TTL": "3",
    }


async def start(folder: Path, env: dict[str, str], *, again: bool = False) -> SshgateProcess:
    folder.mkdir(parents=True, exist_ok=True)
    server = await asyncio.to_thread(start_sshgate, folder, env)
    if again:  # the first process already did the admin's forced password change
        server.admin_password = ADMIN_PASSWORD
    return server


async def admin(server: SshgateProcess, method: str, path: str, body: Any = None) -> Any:
    return await asyncio.to_thread(server.admin, method, path, body)


async def kill_9(server: SshgateProcess) -> None:
    server.process.kill()  # SIGKILL: no shutdown hooks, no graceful anything
    await asyncio.to_thread(server.process.wait)


async def test_a_gateway_killed_while_retrying_delivers_everything_after_restart(
    db_url, tmp_path, receiver: Receiver
):
    receiver.status = 503
    env = environment(db_url)
    first = await start(tmp_path, env)
    try:
        created = await admin(
            first,
            "POST",
            "api/webhooks",
            {"url": receiver.url, "events": ["webhooks.updated"]},
        )
        webhook_id, secret = created["webhook"]["id"], created["secret"]
        await admin(first, "PATCH", f"api/webhooks/{webhook_id}", {"description": "0"})
        await eventually(lambda: len(receiver.received) >= 2, "the first event is being retried")
        for n in range(1, 6):  # queued behind it while the receiver is down
            await admin(first, "PATCH", f"api/webhooks/{webhook_id}", {"description": str(n)})
    finally:
        await kill_9(first)
    tried = set(receiver.ids())
    since = len(receiver.received)
    receiver.status = 200

    second = await start(tmp_path, env, again=True)
    try:

        async def all_delivered() -> list[dict[str, Any]] | None:
            found = await admin(second, "GET", f"api/webhooks/{webhook_id}/deliveries")
            listed = found["deliveries"]
            done = len(listed) == 6 and all(d["status"] == "delivered" for d in listed)
            return listed if done else None

        listed = await eventually(all_delivered, "all six events delivered after the restart")
    finally:
        await asyncio.to_thread(stop_sshgate, second)

    after = receiver.received[since:]
    expected = {d["id"] for d in listed}
    # Each one exactly once after the restart (the retried one included), none lost.
    assert sorted(r.headers["X-Sshgate-Delivery"] for r in after) == sorted(expected)
    assert tried <= expected
    assert [r.json()["details"]["changed"] for r in after] == [["description"]] * 6
    assert all(verify(secret, r.headers, r.body) for r in after)
    retried = [d for d in listed if d["id"] in tried]
    assert retried and all(d["attempts"] >= 2 for d in retried)


async def delivers(server: SshgateProcess) -> bool:
    """Whether this process holds the delivery worker's lease now (``GET api/health``)."""
    health = await asyncio.to_thread(server.call, "GET", "api/health")
    return bool(health["roles"].get("webhooks.deliver"))


async def test_two_gateways_on_one_database_hand_over_when_the_deliverer_dies(
    db_url, tmp_path, receiver: Receiver
):
    receiver.status = 503
    receiver.delay = 0.05
    env = environment(db_url)
    first = await start(tmp_path / "a", env)
    second: SshgateProcess | None = None
    try:
        created = await admin(
            first, "POST", "api/webhooks", {"url": receiver.url, "events": ["webhooks.updated"]}
        )
        webhook_id, secret = created["webhook"]["id"], created["secret"]
        second = await start(tmp_path / "b", env, again=True)
        for n in range(5):
            await admin(first, "PATCH", f"api/webhooks/{webhook_id}", {"description": str(n)})

        async def one_delivers() -> list[SshgateProcess] | None:
            holders = [s for s in (first, second) if s is not None and await delivers(s)]
            return holders if len(holders) == 1 else None

        await eventually(lambda: len(receiver.received) >= 10, "both gateways up, retrying")
        [holder] = await eventually(one_delivers, "exactly one gateway holds the lease")
        survivor = second if holder is first else first
        assert survivor is not None
        await kill_9(holder)
        since = len(receiver.received)
        receiver.status = 200

        async def all_delivered() -> list[dict[str, Any]] | None:
            found = await admin(survivor, "GET", f"api/webhooks/{webhook_id}/deliveries")
            listed = found["deliveries"]
            done = len(listed) == 5 and all(d["status"] == "delivered" for d in listed)
            return listed if done else None

        listed = await eventually(all_delivered, "the other gateway took over and delivered")
        assert await delivers(survivor)
    finally:
        for server in (first, second):
            if server is not None and server.process.poll() is None:
                await asyncio.to_thread(stop_sshgate, server)
    after = receiver.received[since:]
    assert sorted(r.headers["X-Sshgate-Delivery"] for r in after) == sorted(d["id"] for d in listed)
    assert receiver.overlaps == []  # no delivery was ever in flight twice at once
    assert all(verify(secret, r.headers, r.body) for r in receiver.received)


def rotate_key(db_url: str, old: str, new: str) -> subprocess.CompletedProcess[str]:
    # The core's columns and ours: what other installed plugins register is theirs to test.
    others = sorted(e.name for e in entry_points(group="sshgate") if e.name != "webhooks")
    return subprocess.run(
        [sys.executable, "-m", "sshgate", "rotate-key", "--old", old, "--new", new],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "SSHGATE_DB_URL": db_url,
            "SSHGATE_SECRET_KEY": old,
            "SSHGATE_DISABLE_PLUGINS": ",".join(others),
        },
        timeout=120,
    )


async def test_rotate_key_re_encrypts_secrets_and_headers(db_url, tmp_path, receiver):
    first = await start(tmp_path, environment(db_url))
    try:
        created = await admin(
            first,
            "POST",
            "api/webhooks",
            {"url": receiver.url, "events": ["*"], "headers": {"X-Api-Key": "receiver-pass"}},
        )
    finally:
        await asyncio.to_thread(stop_sshgate, first)
    webhook_id, secret = created["webhook"]["id"], created["secret"]

    result = await asyncio.to_thread(rotate_key, db_url, SECRET_KEY, NEW_KEY)
    assert result.returncode == 0, result.stderr
    assert "re-encrypted" in result.stdout

    second = await start(tmp_path, environment(db_url, NEW_KEY), again=True)
    try:
        answer = await admin(second, "POST", f"api/webhooks/{webhook_id}/test")
    finally:
        await asyncio.to_thread(stop_sshgate, second)
    assert answer["ok"] is True, answer
    [got] = [r for r in receiver.received if r.json()["event"] == "webhooks.ping"]
    assert verify(secret, got.headers, got.body)  # the same secret, read with the new key
    assert got.headers["X-Api-Key"] == "receiver-pass"
