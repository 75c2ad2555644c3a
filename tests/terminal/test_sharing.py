"""Sharing a live session: links, read-only and read-write joiners, revocation, admin watch."""

from __future__ import annotations

import pytest
from term_helpers import Term, join, share


async def test_read_only_joiner_sees_output_and_cannot_type(
    live_server, user_client, make_client, owner_term
):
    link = await share(user_client, owner_term.hello["id"], "ro")
    assert link["token"] and link["mode"] == "ro"
    bob = await make_client("bob", groups=["dev"])
    viewer = await join(live_server, bob, link["token"])
    assert viewer.hello["id"] == owner_term.hello["id"] and viewer.hello["read_only"] is True
    await owner_term.run("echo shared-$((5*5))", "shared-25")
    await viewer.read_until(b"shared-25")
    await viewer.send("echo intruder-$((1+1))\n")
    notice = await viewer.next_control()  # output (the rest of the prompt) may come first
    assert notice == {"type": "notice", "message": "this view is read-only"}
    await owner_term.run("echo after-$((2+2))", "after-4")
    assert b"intruder-2" not in owner_term.output


async def test_read_write_joiner_input_reaches_the_shell(
    live_server, user_client, make_client, owner_term
):
    link = await share(user_client, owner_term.hello["id"], "rw")
    carol = await make_client("carol", groups=["dev"])
    pair = await join(live_server, carol, link["token"])
    await pair.send("echo from-carol-$((3+4))\n")
    await owner_term.read_until(b"from-carol-7")
    listed = await (
        await user_client.get(f"/api/terminal/sessions/{owner_term.hello['id']}/shares")
    ).get_json()
    assert {c["username"] for c in listed["clients"]} == {"alice", "carol"}


async def test_revoking_the_link_closes_the_joiner_and_refuses_new_ones(
    live_server, user_client, make_client, owner_term
):
    link = await share(user_client, owner_term.hello["id"], "ro")
    dave = await make_client("dave", groups=["dev"])
    viewer = await join(live_server, dave, link["token"])
    revoked = await user_client.delete(
        f"/api/terminal/sessions/{owner_term.hello['id']}/shares/{link['id']}"
    )
    assert revoked.status_code == 200
    assert (await viewer.closed())[0] == 4403
    again = await join(live_server, dave, link["token"])
    assert again.controls[0]["code"] == "invalid_share"


async def test_joiner_must_be_allowed_to_see_the_server(
    live_server, user_client, make_client, owner_term
):
    link = await share(user_client, owner_term.hello["id"], "rw")
    outsider = await make_client("eve", groups=["prod"])
    refused = await join(live_server, outsider, link["token"])
    assert refused.controls[0]["type"] == "error"
    assert (await refused.closed())[0] == 4403


async def test_only_the_owner_shares(user_client, make_client, owner_term):
    mallory = await make_client("mallory", groups=["dev"])
    response = await mallory.post(
        f"/api/terminal/sessions/{owner_term.hello['id']}/shares", json={"mode": "rw"}
    )
    assert response.status_code == 404
    bad = await user_client.post(
        f"/api/terminal/sessions/{owner_term.hello['id']}/shares", json={"mode": "admin"}
    )
    assert bad.status_code == 400


async def test_admin_watches_read_only_and_terminates(
    live_server, admin_client, user_client, owner_term
):
    listed = await (await admin_client.get("/api/terminal/sessions")).get_json()
    assert [s["owner"] for s in listed["sessions"]] == ["alice"]
    assert listed["sessions"][0]["worker"]
    watcher = await Term.open(
        f"{live_server.ws_url}/api/ws/terminal/watch/{owner_term.hello['id']}", admin_client.token
    )
    assert watcher.hello["read_only"] is True
    await owner_term.run("echo watched-$((9*9))", "watched-81")
    await watcher.read_until(b"watched-81")
    ended = await admin_client.delete(f"/api/terminal/sessions/{owner_term.hello['id']}")
    assert ended.status_code == 200
    assert (await owner_term.closed())[0] == 1000
    audit = await (await admin_client.get("/api/audit?action=terminal.*")).get_json()
    actions = {e["action"] for e in audit["entries"]}
    assert {"terminal.opened", "terminal.joined"} <= actions


async def test_users_cannot_watch(live_server, user_client, owner_term):
    import websockets

    with pytest.raises(websockets.InvalidStatus) as refused:
        await Term.open(
            f"{live_server.ws_url}/api/ws/terminal/watch/{owner_term.hello['id']}",
            user_client.token,
        )
    assert refused.value.response.status_code == 403


async def test_joiners_are_told_the_owners_size(live_server, user_client, make_client, owner_term):
    link = await share(user_client, owner_term.hello["id"], "ro")
    viewer = await join(live_server, await make_client("dave", groups=["dev"]), link["token"])
    assert (viewer.hello["cols"], viewer.hello["rows"]) == (80, 24)
    await owner_term.control(type="resize", cols=132, rows=43)
    assert await viewer.next_control() == {"type": "size", "cols": 132, "rows": 43}
    await viewer.control(type="resize", cols=20, rows=5)  # a read-only view cannot resize
    await owner_term.run("stty size | sed 's/^/size:/'", "size:43 132")
