"""What happens to recordings after the fact: a worker killed mid-session (its file stays
replayable and is closed as incomplete on the next start), stale rows of dead workers, and
the retention sweep."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from rec_helpers import output_of, parse
from rec_processes import add_target, call, open_terminal, start, stop

from sshgate.api import db_session, utcnow
from sshgate.testing.terminal import eventually
from sshgate_recording import cast, sweeps
from sshgate_recording.models import Recording


def _row(
    recording_id: str, file: str, *, status: str, age: timedelta, beat: timedelta
) -> Recording:
    now = utcnow()
    return Recording(
        id=recording_id,
        session_id="S" + recording_id,
        user_id=1,
        username="root-admin",
        server_id=None,
        server_name="old-box",
        title=f"root-admin@old-box {recording_id}",
        cols=80,
        rows=24,
        file=file,
        status=status,
        started_at=now - age,
        heartbeat_at=now - beat,
        size=0,
        duration=0.0,
        participants="[]",
        input=False,
        worker="a-worker-long-gone",
    )


def _write(recording_dir, relative: str, body: bytes) -> None:
    path = recording_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)


HEADER = cast.line(cast.header(cols=80, rows=24, timestamp=0, title="t", term="xterm"))


async def test_a_dead_workers_recording_is_repaired_and_closed_as_incomplete(
    app, admin_client, recording_dir
):
    torn = HEADER + cast.event(0.5, "o", "printed-before-the-crash\r\n") + b'[0.9, "o", "half'
    _write(recording_dir, "2020/01/dead.cast", torn)
    _write(recording_dir, "2020/01/alive.cast", HEADER)
    async with db_session(app) as session:
        session.add(
            _row(
                "dead",
                "2020/01/dead.cast",
                status="recording",
                age=timedelta(hours=1),
                beat=timedelta(minutes=10),
            )
        )
        session.add(
            _row(
                "alive",
                "2020/01/alive.cast",
                status="recording",
                age=timedelta(hours=1),
                beat=timedelta(seconds=0),
            )
        )

    await sweeps.close_stale(app)

    dead = await (await admin_client.get("/api/recordings/dead")).get_json()
    assert dead["status"] == "incomplete" and dead["duration"] == 0.5
    header, events = parse((recording_dir / "2020/01/dead.cast").read_bytes())
    assert header["width"] == 80
    assert output_of(events) == b"printed-before-the-crash\r\n"  # the torn line is gone
    assert events[-1] == [0.5, "m", cast.END_INCOMPLETE]
    assert dead["size"] == (recording_dir / "2020/01/dead.cast").stat().st_size
    # A live worker's recording (fresh heartbeat) is left alone.
    alive = await (await admin_client.get("/api/recordings/alive")).get_json()
    assert alive["status"] == "recording"
    entries = await (
        await admin_client.get("/api/audit", query_string={"action": "recording.incomplete"})
    ).get_json()
    assert [e["details"]["recording_id"] for e in entries["entries"]] == ["dead"]


@pytest.mark.parametrize("recording_options", [{"keep_days": 30}], indirect=True)
async def test_retention_deletes_old_recordings_and_their_files(app, admin_client, recording_dir):
    old, recent, live = "2020/01/old.cast", "2020/01/recent.cast", "2020/01/live.cast"
    for relative in (old, recent, live):
        _write(recording_dir, relative, HEADER)
    async with db_session(app) as session:
        session.add(_row("old", old, status="complete", age=timedelta(days=31), beat=timedelta()))
        session.add(
            _row("recent", recent, status="complete", age=timedelta(days=29), beat=timedelta())
        )
        # Still being written, however old: never expired under its writer.
        session.add(
            _row("live", live, status="recording", age=timedelta(days=40), beat=timedelta())
        )

    await sweeps.expire(app)

    listed = await (await admin_client.get("/api/recordings")).get_json()
    assert sorted(r["id"] for r in listed["recordings"]) == ["live", "recent"]
    assert not (recording_dir / old).exists()
    assert (recording_dir / recent).exists() and (recording_dir / live).exists()
    entries = await (
        await admin_client.get("/api/audit", query_string={"action": "recording.expire"})
    ).get_json()
    [entry] = entries["entries"]
    assert entry["details"]["count"] == 1 and entry["details"]["keep_days"] == 30


@pytest.mark.sshgate_db("sqlite")
async def test_sigkill_mid_session_leaves_a_replayable_file_closed_on_restart(tmp_path, ssh_server):
    folder, recordings = tmp_path / "gate", tmp_path / "recordings"
    env = {
        "SSHGATE_RECORDING_ENABLED": "true",
        "SSHGATE_RECORDING_DIR": str(recordings),
        "SSHGATE_RECORDING_HEARTBEAT": "1",
    }
    gate = await start(folder, env)
    try:
        server_id = await add_target(gate, ssh_server)
        term = await open_terminal(gate, server_id, gate.admin_token())
        await term.run("echo before-kill-$((6*7))", "before-kill-42")

        def flushed() -> bool:
            files = list(recordings.rglob("*.cast"))
            return len(files) == 1 and b"before-kill-42" in files[0].read_bytes()

        await eventually(flushed, "the output flushed to the recording file")
        gate.process.kill()  # SIGKILL: no shutdown hook, no final marker
        gate.process.wait()
        [path] = recordings.rglob("*.cast")
        # Replayable as it is, before any repair: every line is whole JSON.
        header, events = parse(path.read_bytes())
        assert header["version"] == 2 and b"before-kill-42" in output_of(events)
        assert all(e[2] not in cast.END_MARKERS for e in events)
    finally:
        await stop(gate)

    again = await start(folder, env, like=gate)
    try:

        async def closed() -> dict | None:
            listed = await call(again, "GET", "api/recordings")
            [recording] = listed["recordings"]
            return recording if recording["status"] == "incomplete" else None

        recording = await eventually(closed, "the killed worker's recording closed as incomplete")
        body = await call_raw(again, f"api/recordings/{recording['id']}/cast")
        header, events = parse(body)
        assert b"before-kill-42" in output_of(events)
        assert events[-1][1:] == ["m", cast.END_INCOMPLETE]
        assert recording["size"] == len(body)
    finally:
        await stop(again)


async def call_raw(gate, path: str) -> bytes:
    """A file the API serves (not JSON), as the administrator."""
    import asyncio
    import urllib.request

    def fetch() -> bytes:
        request = urllib.request.Request(gate.url + path)
        request.add_header("Authorization", f"Bearer {gate.admin_token()}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()

    return await asyncio.to_thread(fetch)


def test_repair_is_idempotent(tmp_path):
    path = tmp_path / "x.cast"
    path.write_bytes(HEADER + cast.event(1.25, "o", "hi") + b"[1.3, ")
    size = cast.repair(path)
    assert cast.repair(path) == size == path.stat().st_size
    lines = path.read_bytes().splitlines()
    assert [json.loads(x)[1] for x in lines[1:]] == ["o", "m"]
