"""What a recording holds: byte-exact output, resizes, no input by default, who joined."""

from __future__ import annotations

import pytest
from rec_helpers import cast_of, codes, end, open_term, output_of, recording_of

from sshgate.testing.ssh import TEST_PASSWORD
from sshgate.testing.terminal import join_shared, register_server, share_link


@pytest.fixture(params=["asyncssh", "openssh"])
async def any_target(request, app, ssh_server, sshd) -> int:
    """The in-process server, then the real OpenSSH sshd."""
    if request.param == "asyncssh":
        return await register_server(app, ssh_server, secret=TEST_PASSWORD)
    return await register_server(
        app,
        sshd,
        name="target",
        auth_method="key",
        secret=sshd.client_key_path.read_text(),
        username=sshd.user,
    )


async def test_the_cast_holds_exactly_the_bytes_the_client_received(
    live_server, user_client, any_target
):
    term = await open_term(live_server, user_client, any_target, cols=100, rows=30)
    session_id = term.hello["id"]
    # Multi-byte characters in 300 kB of output: SSH packets split some of them in two.
    await term.run("yes 'é€✓ recorded' | head -c 300000; echo; echo done-$((6*7))", "done-42")
    received = await end(term)

    recording = await recording_of(user_client, session_id)
    assert recording["status"] == "complete"
    assert (recording["user"], recording["server"]) == ("alice", "target")
    assert recording["input"] is False
    header, events = await cast_of(user_client, recording["id"])
    assert header["version"] == 2
    assert (header["width"], header["height"]) == (100, 30)
    assert header["title"] == "alice@target"
    assert header["env"] == {"TERM": "xterm-256color"}
    assert isinstance(header["timestamp"], int)
    assert output_of(events) == received
    assert codes(events, "i") == []  # input is not recorded unless asked for
    assert events[-1][1:] == ["m", "sshgate: end"]
    times = [e[0] for e in events]
    assert times == sorted(times)
    assert recording["size"] == len(
        await (await user_client.get(f"/api/recordings/{recording['id']}/cast")).get_data()
    )


async def test_resizes_are_recorded(live_server, user_client, target):
    term = await open_term(live_server, user_client, target, cols=80, rows=24)
    await term.run("echo ready-$((1+1))", "ready-2")
    await term.control(type="resize", cols=132, rows=43)
    await term.run("stty size | sed 's/^/size:/'", "size:43 132")
    session_id = term.hello["id"]
    await end(term)
    _, events = await cast_of(user_client, (await recording_of(user_client, session_id))["id"])
    assert codes(events, "r") == ["132x43"]


async def test_a_shared_session_is_recorded_once_with_who_joined_and_typed(
    live_server, user_client, make_client, target
):
    term = await open_term(live_server, user_client, target)
    session_id = term.hello["id"]
    await term.run("echo owner-$((1+1))", "owner-2")
    link = await share_link(user_client, session_id, "rw")
    bob = await make_client("bob", role="user", groups=["dev"])
    joiner = await join_shared(live_server, bob, link["token"])
    await joiner.send("echo joiner-$((2+2))\n")
    await term.read_until(b"joiner-4")
    await joiner.close()
    await end(term)

    listed = await (await user_client.get("/api/recordings")).get_json()
    assert [r["session_id"] for r in listed["recordings"]] == [session_id]
    recording = await recording_of(user_client, session_id)
    people = {p["user"]: p for p in recording["participants"]}
    assert people["bob"]["mode"] == "rw" and people["bob"]["typed"] > 0
    assert people["bob"]["left"] is not None
    assert people["alice"]["typed"] > 0
    _, events = await cast_of(user_client, recording["id"])
    markers = codes(events, "m")
    assert "joined: bob (rw)" in markers and "left: bob" in markers
    assert "input: bob" in markers
    # The owner's shell is not recorded a second time through the joiner's view.
    assert b"joiner-4" in output_of(events)
