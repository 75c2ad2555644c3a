"""The recordings API: who sees what, filters, the file, delete, output search."""

from __future__ import annotations

import pytest
from rec_helpers import end, open_term, recording_of

from sshgate.testing.terminal import eventually


@pytest.fixture
async def two_recordings(live_server, user_client, make_client, target):
    """alice's session printing "rm -rf /tmp/scratch-7" and bob's printing something else."""
    alice = await open_term(live_server, user_client, target)
    await alice.run("echo 'rm -rf /tmp/scratch-'$((3+4))", "scratch-7")
    await end(alice)
    bob = await make_client("bob", role="user", groups=["dev"])
    term = await open_term(live_server, bob, target)
    await term.run("echo bob-was-$((1+1))", "bob-was-2")
    await end(term)
    return (
        await recording_of(user_client, alice.hello["id"]),
        await recording_of(bob, term.hello["id"]),
        bob,
    )


async def test_users_see_their_own_recordings_and_admins_all(
    user_client, admin_client, two_recordings
):
    mine, bobs, _ = two_recordings
    listed = await (await user_client.get("/api/recordings")).get_json()
    assert [r["id"] for r in listed["recordings"]] == [mine["id"]] and listed["total"] == 1
    # Someone else's recording is not there at all: 404, on every route.
    for path in ("", "/cast", "/download"):
        response = await user_client.get(f"/api/recordings/{bobs['id']}{path}")
        assert response.status_code == 404, path
        assert (await response.get_json())["error"]["code"] == "not_found"
    everyone = await (await admin_client.get("/api/recordings")).get_json()
    assert {r["id"] for r in everyone["recordings"]} == {mine["id"], bobs["id"]}


async def test_filters_and_their_validation(admin_client, two_recordings):
    mine, bobs, _ = two_recordings

    async def ids(**query) -> list[str]:
        body = await (await admin_client.get("/api/recordings", query_string=query)).get_json()
        return [r["id"] for r in body["recordings"]]

    assert await ids(user="bob") == [bobs["id"]]
    assert await ids(server="target", q="ALICE@") == [mine["id"]]
    assert await ids(since="2999-01-01T00:00:00Z") == []
    assert len(await ids(until="2999-01-01T00:00:00Z", limit=1)) == 1
    for bad in ({"usr": "bob"}, {"limit": "0"}, {"since": "yesterday"}, {"q": "a\x00b"}):
        response = await admin_client.get("/api/recordings", query_string=bad)
        assert response.status_code == 400, bad
        assert (await response.get_json())["error"]["code"] in ("bad_request", "validation_error")


async def test_download_is_an_attachment_and_audited(user_client, admin_client, two_recordings):
    mine, _, _ = two_recordings
    response = await user_client.get(f"/api/recordings/{mine['id']}/download")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/x-asciicast")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "alice@target-" in disposition
    assert (await response.get_data()).startswith(b'{"version": 2')
    audit = await (
        await admin_client.get("/api/audit", query_string={"action": "recording.view"})
    ).get_json()
    assert audit["entries"][0]["actor"] == "alice"


async def test_only_admins_delete_and_the_file_goes_too(
    user_client, admin_client, two_recordings, recording_dir
):
    mine, _, _ = two_recordings
    assert len(list(recording_dir.rglob("*.cast"))) == 2
    refused = await user_client.delete(f"/api/recordings/{mine['id']}")
    assert refused.status_code == 403
    deleted = await admin_client.delete(f"/api/recordings/{mine['id']}")
    assert deleted.status_code == 204
    assert (await admin_client.get(f"/api/recordings/{mine['id']}")).status_code == 404
    assert len(list(recording_dir.rglob("*.cast"))) == 1
    audit = await (
        await admin_client.get("/api/audit", query_string={"action": "recording.delete"})
    ).get_json()
    assert audit["entries"][0]["actor"] == admin_client.username
    assert (await admin_client.delete("/api/recordings/nope")).status_code == 404
    assert (await admin_client.delete("/api/recordings/..%2F..%2Fetc")).status_code == 404


async def test_output_search_finds_the_moment_a_string_was_printed(
    user_client, admin_client, two_recordings
):
    mine, _, _ = two_recordings
    found = await (
        await admin_client.get(
            "/api/recordings/search", query_string={"q": "rm -rf /tmp/scratch-7"}
        )
    ).get_json()
    [match] = found["matches"]
    assert match["recording"]["id"] == mine["id"]
    assert "rm -rf /tmp/scratch-7" in match["excerpt"]
    assert 0 <= match["time"] <= match["recording"]["duration"]
    assert found["truncated"] is False
    # A user's search only reads their own recordings.
    theirs = await (
        await user_client.get("/api/recordings/search", query_string={"q": "bob-was-2"})
    ).get_json()
    assert theirs["matches"] == []
    assert (await user_client.get("/api/recordings/search")).status_code == 400

    async def searched() -> bool:
        body = await (
            await admin_client.get("/api/audit", query_string={"action": "recording.search"})
        ).get_json()
        return any(e["details"].get("query") == "bob-was-2" for e in body["entries"])

    await eventually(searched, "the search audited with its query")


async def test_the_config_tells_the_page_that_sessions_are_recorded(client):
    config = await (await client.get("/api/config")).get_json()
    assert config["extra"]["recording"] == {"enabled": True, "input": False, "mode": "best-effort"}
