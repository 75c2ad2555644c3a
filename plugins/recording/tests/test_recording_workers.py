"""A shared session across two real workers on one PostgreSQL and the local Redis: it is
recorded once, by the worker that owns the shell, with the joiner on the other worker in its
participants and as the typist of what it typed."""

from __future__ import annotations

import pytest
from rec_helpers import codes, output_of, parse
from rec_processes import add_bob, add_target, call, join, open_terminal, start, stop
from test_recording_sweeps import call_raw

from sshgate.testing.services import redis_url, require_redis
from sshgate.testing.terminal import eventually

pytestmark = pytest.mark.sshgate_db("postgresql")


async def test_a_session_shared_across_workers_is_recorded_once(tmp_path, db_url, ssh_server):
    await require_redis()
    recordings = tmp_path / "recordings"  # shared storage, as the README asks for HA
    env = {
        "SSHGATE_DB_URL": db_url,
        "SSHGATE_REDIS_URL": redis_url(),
        "SSHGATE_RECORDING_ENABLED": "true",
        "SSHGATE_RECORDING_DIR": str(recordings),
    }
    a = await start(tmp_path / "a", env)
    try:
        server_id = await add_target(a, ssh_server)
        bob = await add_bob(a)
        b = await start(tmp_path / "b", env, like=a)
        try:
            owner = await open_terminal(a, server_id, a.admin_token())
            session_id = owner.hello["id"]
            await owner.run("echo owner-on-a-$((1+1))", "owner-on-a-2")
            link = await call(
                a, "POST", f"api/terminal/sessions/{session_id}/shares", {"mode": "rw"}
            )
            joiner = await join(b, bob, link["token"])
            assert joiner.hello["id"] == session_id
            await joiner.send("echo bob-on-b-$((2+2))\n")
            await owner.read_until(b"bob-on-b-4")
            await joiner.read_until(b"bob-on-b-4")
            await joiner.close()
            # Bob's leaving reaches worker A over Redis: the owner's views hear of it too.
            await owner.next_control("clients")
            await owner.control(type="close")
            await owner.closed()

            async def finished() -> dict | None:
                listed = await call(b, "GET", "api/recordings")  # either worker lists it
                done = [r for r in listed["recordings"] if r["status"] != "recording"]
                return listed if done else None

            listed = await eventually(finished, "the shared session's recording closed")
            [recording] = listed["recordings"]
            assert recording["session_id"] == session_id and recording["status"] == "complete"
            assert len(list(recordings.rglob("*.cast"))) == 1
            people = {p["user"]: p for p in recording["participants"]}
            assert people["bob"]["mode"] == "rw" and people["bob"]["typed"] > 0
            assert people["bob"]["left"] is not None

            _, events = parse(await call_raw(b, f"api/recordings/{recording['id']}/cast"))
            output = output_of(events)
            assert output.count(b"bob-on-b-4\r\n") == 1  # the result, once (not per view)
            markers = codes(events, "m")
            assert "joined: bob (rw)" in markers and "input: bob" in markers
            assert "left: bob" in markers
        finally:
            await stop(b)
    finally:
        await stop(a)
