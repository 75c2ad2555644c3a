"""Two real sshgate processes on one PostgreSQL and the local Redis: a session owned by
worker A is joined, driven and reattached through worker B (SHARE-2)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys

import httpx
import pytest
from term_helpers import WITHIN, Term, eventually

from sshgate.testing.live import free_port
from sshgate.testing.services import redis_url, require_redis
from sshgate.testing.ssh import TEST_PASSWORD

pytestmark = pytest.mark.sshgate_db("postgresql")
KEY = "cross-worker-secret-key-" + "w" * 24
ADMIN_PASSWORD = "first-admin-pass-1"
NEW_PASSWORD = "the-admin-password-2"


async def _start(db_url: str, extra: dict[str, str]) -> tuple[str, subprocess.Popen]:
    port = free_port()
    env = {
        **extra,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SSHGATE_HOST": "127.0.0.1",
        "SSHGATE_PORT": str(port),
        "SSHGATE_SECRET_KEY": KEY,
        "SSHGATE_DB_URL": db_url,
        "SSHGATE_REDIS_URL": redis_url(),
        "SSHGATE_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "SSHGATE_PASSWORD_HASH_ROUNDS": "4",
    }
    proc = subprocess.Popen(  # noqa: ASYNC220 (returns at once; the worker runs on its own)
        [sys.executable, "-m", "sshgate", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=None if os.environ.get("SSHGATE_TEST_WORKER_LOGS") else subprocess.DEVNULL,
    )
    base = f"127.0.0.1:{port}"
    deadline = asyncio.get_running_loop().time() + 90  # migrations under load take a while
    async with httpx.AsyncClient(timeout=WITHIN) as client:
        while asyncio.get_running_loop().time() < deadline and proc.poll() is None:
            try:
                if (await client.get(f"http://{base}/api/health")).status_code == 200:
                    return base, proc
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    proc.kill()
    pytest.fail(f"a worker did not start (exit status {proc.poll()})")


@pytest.fixture
async def workers(db_url, ssh_server, request):
    """Two workers; parametrize indirectly with a dict to add environment variables."""
    await require_redis()
    extra = getattr(request, "param", {})
    a, proc_a = await _start(db_url, extra)
    b, proc_b = await _start(db_url, extra)
    try:
        async with httpx.AsyncClient(base_url=f"http://{a}", timeout=WITHIN) as http:
            login = await http.post(
                "/api/auth/login",
                json={"username": "admin", "password": ADMIN_PASSWORD, "client": "api"},
            )
            token = login.json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            await http.post(
                "/api/auth/password",
                headers=headers,
                json={"current_password": ADMIN_PASSWORD, "new_password": NEW_PASSWORD},
            )
            server = await http.post(
                "/api/servers",
                headers=headers,
                json={
                    "name": "shared",
                    "host": ssh_server.host,
                    "port": ssh_server.port,
                    "username": "tester",
                    "password": TEST_PASSWORD,
                    "group": "dev",
                },
            )
            bob = await http.post(
                "/api/admin/users",
                headers=headers,
                json={"username": "bob", "password": "bobs-password-12", "allowed_groups": ["dev"]},
            )
            assert bob.status_code == 201
            bob_token = (
                await http.post(
                    "/api/auth/login",
                    json={"username": "bob", "password": "bobs-password-12", "client": "api"},
                )
            ).json()["token"]
            await http.post(
                "/api/auth/password",
                headers={"Authorization": f"Bearer {bob_token}"},
                json={
                    "current_password": "bobs-password-12",
                    "new_password": "bobs-new-password-3",
                },
            )
            bob_token = (
                await http.post(
                    "/api/auth/login",
                    json={"username": "bob", "password": "bobs-new-password-3", "client": "api"},
                )
            ).json()["token"]
        yield {
            "a": a,
            "b": b,
            "admin": token,
            "bob": bob_token,
            "server": server.json()["id"],
            "processes": {"a": proc_a, "b": proc_b},
        }
    finally:
        for proc in (proc_a, proc_b):
            proc.send_signal(signal.SIGTERM)
        for proc in (proc_a, proc_b):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


async def _share(worker: str, token: str, session_id: str, mode: str) -> dict:
    async with httpx.AsyncClient(base_url=f"http://{worker}", timeout=WITHIN) as http:
        response = await http.post(
            f"/api/terminal/sessions/{session_id}/shares",
            json={"mode": mode},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201, response.text
        return response.json()


async def _join(worker: str, token: str, share_token: str) -> Term:
    term = await Term.open(f"ws://{worker}/api/ws/terminal/join", token, hello=False)
    await term.control(type="join", token=share_token)
    term.hello = json.loads(await asyncio.wait_for(term.ws.recv(), WITHIN))
    assert term.hello["type"] == "session", term.hello
    return term


async def test_joiner_on_another_worker_sees_the_same_bytes_and_types(workers):
    owner = await Term.open(
        f"ws://{workers['a']}/api/ws/terminal/{workers['server']}", workers["admin"]
    )
    await owner.run("echo ready-$((1+1))", "ready-2")
    link = await _share(workers["a"], workers["admin"], owner.hello["id"], "rw")
    joiner = await _join(workers["b"], workers["bob"], link["token"])
    await owner.send("for i in 1 2 3 4 5; do echo line-$i; done; echo done-$((2*3))\n")
    await owner.read_until(b"done-6")
    await joiner.read_until(b"done-6")

    def tail(output: bytes) -> bytes:
        start = output.rindex(b"line-1\r\n")
        return output[start : output.index(b"done-6", start)]

    assert tail(bytes(joiner.output)) == tail(bytes(owner.output))
    await joiner.send("echo typed-by-bob-$((4+4))\n")
    await owner.read_until(b"typed-by-bob-8")
    await joiner.close()
    await owner.close()


async def test_read_only_joiner_cannot_type_and_revocation_closes_it(workers):
    owner = await Term.open(
        f"ws://{workers['a']}/api/ws/terminal/{workers['server']}", workers["admin"]
    )
    await owner.run("echo ready-$((1+2))", "ready-3")
    link = await _share(workers["a"], workers["admin"], owner.hello["id"], "ro")
    viewer = await _join(workers["b"], workers["bob"], link["token"])
    assert viewer.hello["read_only"] is True
    await viewer.send("echo sneaky-$((7*7))\n")
    await owner.run("echo still-mine-$((3*3))", "still-mine-9")
    await viewer.read_until(b"still-mine-9")
    assert b"sneaky-49" not in owner.output
    async with httpx.AsyncClient(base_url=f"http://{workers['a']}", timeout=WITHIN) as http:
        revoked = await http.delete(
            f"/api/terminal/sessions/{owner.hello['id']}/shares/{link['id']}",
            headers={"Authorization": f"Bearer {workers['admin']}"},
        )
        assert revoked.status_code == 200
    assert (await viewer.closed())[0] == 4403
    await owner.close()


async def test_owner_reattaches_through_the_other_worker(workers):
    owner = await Term.open(
        f"ws://{workers['a']}/api/ws/terminal/{workers['server']}", workers["admin"]
    )
    output = await owner.run("echo pid:$$:e''nd", ":end\r\n")
    pid = re.search(rb"pid:(\d+):end", output).group(1)
    session_id = owner.hello["id"]
    await owner.ws.close()  # the browser died; the load balancer sends it to worker B
    again = await Term.open(
        f"ws://{workers['b']}/api/ws/terminal/attach/{session_id}", workers["admin"]
    )
    assert again.hello["id"] == session_id
    await again.read_until(b"pid:" + pid)  # the scrollback
    await again.run("echo pid:$$:ag''ain", ":again\r\n")
    assert re.search(rb"pid:(\d+):again", bytes(again.output)).group(1) == pid
    await again.control(type="resize", cols=111, rows=33)
    await again.run("stty size | sed 's/^/size:/'", "size:33 111")
    await again.close()


async def test_owner_sees_and_kicks_a_joiner_attached_to_the_other_worker(workers):
    owner = await Term.open(
        f"ws://{workers['a']}/api/ws/terminal/{workers['server']}", workers["admin"]
    )
    await owner.run("echo ready-$((2+5))", "ready-7")
    link = await _share(workers["a"], workers["admin"], owner.hello["id"], "ro")
    viewer = await _join(workers["b"], workers["bob"], link["token"])

    # The owner's view hears of the joiner on the other worker.
    assert await owner.next_control("clients") == {"type": "clients"}
    path = f"/api/terminal/sessions/{owner.hello['id']}"
    headers = {"Authorization": f"Bearer {workers['admin']}"}
    # The list is the same whichever worker answers it.
    for worker in ("a", "b"):
        async with httpx.AsyncClient(base_url=f"http://{workers[worker]}", timeout=WITHIN) as http:
            listed = (await http.get(f"{path}/shares", headers=headers)).json()["clients"]
        assert [(c["username"], c["mode"]) for c in listed] == [("admin", "owner"), ("bob", "ro")]
    bob = listed[1]
    async with httpx.AsyncClient(base_url=f"http://{workers['a']}", timeout=WITHIN) as http:
        kicked = await http.delete(f"{path}/clients/{bob['id']}", headers=headers)
        assert kicked.status_code == 200, kicked.text
        owner_entry = listed[0]["id"]
        refused = await http.delete(f"{path}/clients/{owner_entry}", headers=headers)
        assert refused.status_code == 404
    assert (await viewer.closed())[0] == 4403
    async with httpx.AsyncClient(base_url=f"http://{workers['a']}", timeout=WITHIN) as http:

        async def one_left() -> list[dict]:
            listed = (await http.get(f"{path}/shares", headers=headers)).json()["clients"]
            return listed if len(listed) == 1 else []

        listed = await eventually(one_left, "the kicked joiner leaves the list")
    assert [c["username"] for c in listed] == ["admin"]
    await owner.close()


async def test_a_joiner_on_the_other_worker_follows_the_owners_size(workers):
    owner = await Term.open(
        f"ws://{workers['a']}/api/ws/terminal/{workers['server']}", workers["admin"]
    )
    await owner.run("echo ready-$((3+5))", "ready-8")
    link = await _share(workers["a"], workers["admin"], owner.hello["id"], "ro")
    viewer = await _join(workers["b"], workers["bob"], link["token"])
    await owner.control(type="resize", cols=120, rows=40)

    size = await viewer.next_control("size")
    if size["cols"] != 120:  # the bridge may first pass on the size it found when attaching
        size = await viewer.next_control("size")
    assert size == {"type": "size", "cols": 120, "rows": 40}
    await viewer.close()
    await owner.close()


async def test_clients_on_the_other_worker_are_told_when_the_owning_worker_dies(workers):
    """SIGKILL leaves no "end" in Redis: the heartbeat's absence tells worker B's clients,
    and a reattach through B, that the shell is gone, instead of a silent ghost."""
    owner = await Term.open(
        f"ws://{workers['a']}/api/ws/terminal/{workers['server']}", workers["admin"]
    )
    await owner.run("echo ready-$((4+5))", "ready-9")
    session_id = owner.hello["id"]
    link = await _share(workers["a"], workers["admin"], session_id, "ro")
    viewer = await _join(workers["b"], workers["bob"], link["token"])
    workers["processes"]["a"].send_signal(signal.SIGKILL)
    await asyncio.to_thread(workers["processes"]["a"].wait)
    gone = "the gateway worker running this shell stopped"
    assert (await viewer.next_control("exit", within=60))["reason"] == gone
    assert (await viewer.closed())[0] == 4502
    again = await Term.open(
        f"ws://{workers['b']}/api/ws/terminal/attach/{session_id}", workers["admin"]
    )
    assert (await again.next_control("exit"))["reason"] == gone
    assert (await again.closed())[0] == 4502


@pytest.mark.parametrize("workers", [{"SSHGATE_MAX_SESSIONS_PER_USER": "2"}], indirect=True)
async def test_the_session_cap_counts_every_worker(workers):
    """Two shells, one per worker, fill a cap of 2: a third is refused on either worker, and
    a slot freed on one worker is usable on the other at once."""

    def url(worker: str) -> str:
        return f"ws://{workers[worker]}/api/ws/terminal/{workers['server']}"

    first = await Term.open(url("a"), workers["admin"])
    second = await Term.open(url("b"), workers["admin"])
    for worker in ("a", "b"):
        refused = await Term.open(url(worker), workers["admin"], hello=False)
        error = json.loads(await asyncio.wait_for(refused.ws.recv(), 30))
        assert error["type"] == "error" and error["code"] == "session_limit", error
        await refused.ws.close()
    await second.control(type="close")
    await second.read_until(b"session closed")
    await second.ws.close()
    # The slot is released when the owning worker has finished ending the shell.
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        third = await Term.open(url("a"), workers["admin"], hello=False)
        message = json.loads(await asyncio.wait_for(third.ws.recv(), 30))
        if message["type"] == "session":
            break
        assert message["code"] == "session_limit", message
        await third.ws.close()
        assert asyncio.get_running_loop().time() < deadline, "the freed slot never came back"
        await asyncio.sleep(0.2)
    await third.run("echo third-$((1+2))", "third-3")
    for term in (first, third):
        await term.ws.close()
