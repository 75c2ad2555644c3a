"""Two real sshgate processes on one PostgreSQL: one prober at a time, and when the holder
is killed (SIGKILL: no chance to give the lease up) the other takes over within the lease's
ttl; ``/metrics`` on either worker counts both."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import METRICS_TOKEN
from prometheus_client.parser import text_string_to_metric_families

from sshgate.testing.browser import SshgateProcess, start_sshgate, stop_sshgate
from sshgate.testing.ssh import TEST_PASSWORD, TEST_USER
from sshgate.testing.terminal import WITHIN, eventually

pytestmark = pytest.mark.sshgate_db("postgresql")
TTL = 3  # seconds: a dead holder is replaced within TTL (+ TTL / 3, the renewal period)
ROLE = "monitoring.probe"


def env_for(db_url: str) -> dict[str, str]:
    return {
        "SSHGATE_DB_URL": db_url,
        "SSHGATE_MONITOR_INTERVAL": "0.5",
        "SSHGATE_MONITOR_TIMEOUT": "3",
        "SSHGATE_MONITOR_LEASE_TTL": str(TTL),
        "SSHGATE_MONITOR_METRICS_FLUSH": "1",
        "SSHGATE_MONITOR_METRICS_TOKEN": METRICS_TOKEN,
    }


@pytest.fixture
async def workers(db_url: str, tmp_path: Path):
    started: list[SshgateProcess] = []
    try:
        for name in ("a", "b"):
            folder = tmp_path / name
            folder.mkdir()
            started.append(await asyncio.to_thread(start_sshgate, folder, env_for(db_url)))
        yield started
    finally:
        for worker in started:
            if worker.process.poll() is None:
                await asyncio.to_thread(stop_sshgate, worker)


async def roles(http: httpx.AsyncClient, worker: SshgateProcess) -> dict[str, bool] | None:
    try:
        answer = await http.get(worker.url + "api/health")
    except httpx.TransportError:
        return None
    return dict(answer.json()["roles"])


async def holder(http: httpx.AsyncClient, workers: list[SshgateProcess]) -> list[int]:
    """``[index]`` of the one worker that holds the prober lease, ``[]`` unless exactly one
    (a list, so that worker 0 is a true answer for ``eventually``)."""
    held = [i for i, w in enumerate(workers) if ((await roles(http, w)) or {}).get(ROLE)]
    return held if len(held) == 1 else []


async def failed_logins(http: httpx.AsyncClient, worker: SshgateProcess) -> float:
    answer = await http.get(
        worker.url + "metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    assert answer.status_code == 200, answer.text
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            if sample.name == "sshgate_logins_total" and sample.labels["outcome"] == "failure":
                return sample.value
    return 0.0


async def test_the_prober_lease_moves_when_its_holder_is_killed(workers, ssh_server):
    async with httpx.AsyncClient(timeout=WITHIN) as http:
        admin = await asyncio.to_thread(workers[0].admin_token)
        headers = {"Authorization": f"Bearer {admin}"}
        created = await http.post(
            workers[0].url + "api/servers",
            headers=headers,
            json={
                "name": "watched",
                "host": ssh_server.host,
                "port": ssh_server.port,
                "username": TEST_USER,
                "password": TEST_PASSWORD,
                "group": "dev",
            },
        )
        assert created.status_code == 201, created.text
        server_id = created.json()["id"]

        async def status(worker: SshgateProcess) -> dict[str, Any]:
            answer = await http.get(worker.url + "api/monitoring/status", headers=headers)
            return next(r for r in answer.json()["servers"] if r["id"] == server_id)

        (first,) = await eventually(lambda: holder(http, workers), "exactly one prober")
        other = 1 - first
        # Status is in the database: the worker that does not probe shows it too.
        await eventually(
            lambda: _is(status(workers[other]), "online"), "online, as seen by the other worker"
        )

        # Metrics of both workers, from either: failed logins on each, summed.
        for worker, count in ((workers[0], 2), (workers[1], 1)):
            for _ in range(count):
                refused = await http.post(
                    worker.url + "api/auth/login",
                    json={"username": "nobody", "password": "wrong-password", "client": "api"},
                )
                assert refused.status_code == 401
        for worker in workers:
            await eventually(
                lambda w=worker: _equals(failed_logins(http, w), 3),
                f"3 failed logins via {worker.url}",
            )

        os.kill(workers[first].process.pid, 9)  # no shutdown, no release: the lease expires
        await asyncio.to_thread(workers[first].process.wait)
        await eventually(
            lambda: _holds(http, workers[other]), "the surviving worker took the lease"
        )
        seen = (await status(workers[other]))["checked_at"]
        await eventually(
            lambda: _checked_after(status(workers[other]), seen), "probes go on after the handover"
        )
        # The dead worker's counts leave the totals once its snapshot is stale.
        await eventually(
            lambda: _equals(failed_logins(http, workers[other]), 1), "only the live worker counted"
        )


async def _is(row: Any, state: str) -> bool:
    return (await row)["state"] == state


async def _equals(value: Any, expected: float) -> bool:
    return await value == expected


async def _holds(http: httpx.AsyncClient, worker: SshgateProcess) -> bool:
    return bool(((await roles(http, worker)) or {}).get(ROLE))


async def _checked_after(row: Any, when: str) -> bool:
    return (await row)["checked_at"] > when
