"""A full disk, for real: a 256 KiB tmpfs as the recordings folder.

Strict mode ends a session whose recording cannot be written, refuses new sessions while
nothing can be written, and records again once there is room; best-effort lets sessions go on
and marks the recording truncated. Both are audited, and the file stays valid asciicast.
"""

from __future__ import annotations

import contextlib
import os
import subprocess

import pytest
from rec_helpers import open_term, parse, recording_of

from sshgate.testing.services import unavailable
from sshgate.testing.terminal import eventually

BIG_OUTPUT = "head -c 1500000 /dev/zero | base64; echo big-$((2+3))"


@pytest.fixture
def recording_dir(tmp_path):
    folder = tmp_path / "small-disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        unavailable(f"a small tmpfs for the full-disk tests (needs root): {mounted.stderr.strip()}")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder) -> None:
    """Take every free block of the folder's file system."""
    with open(folder / "filler", "wb", buffering=0) as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 4096)


async def audited(admin_client, action: str) -> list[dict]:
    async def entries():
        body = await (
            await admin_client.get("/api/audit", query_string={"action": action})
        ).get_json()
        return body["entries"]

    found: list[dict] = await eventually(entries, f"an audit entry {action}")
    return found


def assert_valid_cast(body: bytes) -> None:
    header, events = parse(body)  # every line parses: nothing torn
    assert header["version"] == 2
    assert all(isinstance(e[0], float | int) and e[1] in "oirm" for e in events)


@pytest.mark.parametrize("recording_options", [{"mode": "strict"}], indirect=True)
async def test_strict_ends_the_session_refuses_new_ones_and_recovers_with_space(
    live_server, user_client, admin_client, target, recording_dir, recording_options
):
    term = await open_term(live_server, user_client, target)
    session_id = term.hello["id"]
    await term.send(BIG_OUTPUT + "\n")
    closing = await term.next_control("closing")
    assert "recording failed, so the session was ended" in closing["reason"]
    assert "No space left on device" in closing["reason"]
    recording = await recording_of(user_client, session_id)
    assert recording["status"] == "failed"
    body = await (await user_client.get(f"/api/recordings/{recording['id']}/cast")).get_data()
    assert_valid_cast(body)
    [entry, *_] = await audited(admin_client, "recording.failed")
    assert entry["outcome"] == "failure" and entry["target"] == "target"

    fill(recording_dir)
    refused = await open_term(live_server, user_client, target, refused=True)
    assert refused.hello == {}
    assert refused.controls[0]["code"] == "session_refused"
    assert "must be recorded" in refused.controls[0]["message"]
    assert (await refused.closed())[0] == 4403

    os.unlink(recording_dir / "filler")
    for leftover in recording_dir.rglob("*.cast"):
        leftover.unlink()
    again = await open_term(live_server, user_client, target)
    await again.run("echo recorded-again-$((1+1))", "recorded-again-2")
    await again.control(type="close")
    await again.closed()
    assert (await recording_of(user_client, again.hello["id"]))["status"] == "complete"


async def test_best_effort_goes_on_and_marks_the_recording_truncated(
    live_server, user_client, admin_client, target, recording_dir
):
    term = await open_term(live_server, user_client, target)
    session_id = term.hello["id"]
    await term.run(BIG_OUTPUT, "big-5", within=60)
    recording = await recording_of(user_client, session_id)
    assert recording["status"] == "truncated"
    assert "No space left on device" in recording["note"]
    await term.run("echo still-here-$((1+1))", "still-here-2")  # the session goes on
    [entry, *_] = await audited(admin_client, "recording.truncated")
    assert entry["outcome"] == "failure"
    await term.control(type="close")
    await term.closed()
    body = await (await user_client.get(f"/api/recordings/{recording['id']}/cast")).get_data()
    assert_valid_cast(body)
