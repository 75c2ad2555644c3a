"""What the share UI reads: who is attached (mode, since), the owner in the hello, and a
``closing`` message that carries the close code before every close frame."""

from __future__ import annotations

import json

from term_helpers import Term, join, share


async def test_clients_are_listed_with_their_mode_and_since(
    live_server, user_client, admin_client, make_client, owner_term
):
    session_id = owner_term.hello["id"]
    assert owner_term.hello["owner"] == "alice"
    link = await share(user_client, session_id, "ro")
    bob = await make_client("bob", groups=["dev"])
    viewer = await join(live_server, bob, link["token"])
    assert viewer.hello["owner"] == "alice" and viewer.hello["read_only"] is True
    watcher = await Term.open(
        f"{live_server.ws_url}/api/ws/terminal/watch/{session_id}", admin_client.token
    )
    listed = await (await user_client.get(f"/api/terminal/sessions/{session_id}/shares")).get_json()
    modes = [(c["username"], c["mode"]) for c in listed["clients"]]
    assert modes == [("alice", "owner"), ("bob", "ro"), ("root-admin", "watch")]
    assert all(c["since"].endswith("+00:00") for c in listed["clients"])
    assert listed["clients"][1]["share_id"] == link["id"]
    await watcher.close()


async def test_a_kicked_joiner_is_told_before_the_close(
    live_server, user_client, make_client, owner_term
):
    session_id = owner_term.hello["id"]
    link = await share(user_client, session_id, "rw")
    carol = await make_client("carol", groups=["dev"])
    pair = await join(live_server, carol, link["token"])
    listed = await (await user_client.get(f"/api/terminal/sessions/{session_id}/shares")).get_json()
    (joiner,) = [c for c in listed["clients"] if c["mode"] == "rw"]
    kicked = await user_client.delete(f"/api/terminal/sessions/{session_id}/clients/{joiner['id']}")
    assert kicked.status_code == 200
    code, _ = await pair.closed()
    assert code == 4403
    assert pair.controls[-1] == {
        "type": "closing",
        "code": 4403,
        "reason": "removed by the session's owner",
    }
    # The owner's own view carries on.
    await owner_term.run("echo still-$((2*3))", "still-6")
    assert not any(json.dumps(c).count("closing") for c in owner_term.controls)


async def test_the_owner_is_told_when_someone_attaches_or_leaves(
    live_server, user_client, make_client, owner_term
):
    link = await share(user_client, owner_term.hello["id"], "ro")
    viewer = await join(live_server, await make_client("erin", groups=["dev"]), link["token"])
    assert await owner_term.next_control("clients") == {"type": "clients"}
    # The joiner is never told: only the owner's views show the list. Read everything the
    # joiner got up to a marker printed after the join.
    await owner_term.run("echo joined-$((6+6))", "joined-12")
    await viewer.read_until(b"joined-12")
    assert viewer.controls and not [c for c in viewer.controls if c.get("type") == "clients"]
    await viewer.close()
    assert await owner_term.next_control("clients") == {"type": "clients"}
