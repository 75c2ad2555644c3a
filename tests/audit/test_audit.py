"""Recording and searching the audit log through ``GET /api/audit``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from audit_helpers import Ping, failed_login, search

from sshgate.events import StartupEvent
from sshgate.track import emit


async def test_logins_become_entries(app, client, make_client, admin_client):
    await make_client("bob")
    await failed_login(client, "bob\x07 ")
    failed = (await search(admin_client, action="auth.login_failed"))["entries"]
    assert len(failed) == 1
    entry = failed[0]
    assert entry["actor"] == "bob? "  # sanitised by the login route: no control characters
    assert entry["outcome"] == "failure"
    assert entry["target"] == "login"
    assert entry["details"] == {"reason": "bad_credentials", "provider": "local"}
    assert entry["source_ip"]
    assert len(entry["hash"]) == 64 and len(entry["prev_hash"]) == 64

    ok = (await search(admin_client, actor="bob", action="auth.login"))["entries"]
    assert [(e["outcome"], e["details"]) for e in ok] == [
        ("success", {"method": "password", "provider": "local"})
    ]
    assert datetime.fromisoformat(ok[0]["created_at"]).tzinfo is not None


async def test_only_audited_events_are_recorded(app, admin_client):
    async with app.app_context():
        await emit(StartupEvent(instance_id="x", version="0"), app)
    assert (await search(admin_client, action="app.*"))["entries"] == []


async def test_secret_looking_details_are_redacted(app, admin_client):
    extra = {
        "password": "hunter2",
        "api_token": "sg_abc",
        "SSH_Key": "-----BEGIN",
        "key_name": "deploy",
        "nested": {"client_secret": "s", "port": 22, "when": datetime(2024, 1, 2, tzinfo=UTC)},
        "tuple": (1, 2.5, None),
        "odd": {1: float("inf")},
    }
    async with app.app_context():
        await emit(Ping(actor="svc", extra=extra), app)
    (entry,) = (await search(admin_client, action="test.ping"))["entries"]
    assert entry["details"] == {
        "seq": 0,
        "extra": {
            "password": "[redacted]",
            "api_token": "[redacted]",
            "SSH_Key": "[redacted]",
            "key_name": "deploy",
            "nested": {
                "client_secret": "[redacted]",
                "port": 22,
                "when": "2024-01-02T00:00:00+00:00",
            },
            "tuple": [1, 2.5, None],
            "odd": {"1": "inf"},
        },
    }
    assert "hunter2" not in str(entry)


async def test_filters(client, make_client, admin_client):
    t0 = datetime.now(UTC)
    await make_client("bob")
    t1 = datetime.now(UTC)
    await make_client("carol")
    await failed_login(client, "Mallory_100%")

    def actions(body):
        return [(e["actor"], e["action"]) for e in body["entries"]]

    assert actions(await search(admin_client, actor="bob")) == [("bob", "auth.login")]
    assert actions(await search(admin_client, actor="nobody")) == []
    prefixed = actions(await search(admin_client, action="auth.*"))
    assert prefixed == [
        ("Mallory_100%", "auth.login_failed"),
        ("carol", "auth.login"),
        ("bob", "auth.login"),
        ("root-admin", "auth.login"),
    ]
    assert ("Mallory_100%", "auth.login_failed") not in actions(
        await search(admin_client, action="auth.login")
    )
    assert actions(await search(admin_client, action="auth.login_*")) == [prefixed[0]]
    assert actions(await search(admin_client, action="auth_*")) == []  # "_" is not a wildcard
    assert actions(await search(admin_client, outcome="failure")) == [prefixed[0]]
    assert len((await search(admin_client, outcome="success"))["entries"]) == 3
    assert actions(await search(admin_client, target="login")) == [prefixed[0]]

    window = await search(admin_client, since=t0.isoformat(), until=t1.isoformat())
    assert actions(window) == [("bob", "auth.login")]
    zulu = t1.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert actions(await search(admin_client, until=t0.isoformat())) == [prefixed[3]]
    assert actions(await search(admin_client, since=zulu)) == prefixed[:2]
    assert actions(await search(admin_client, since="", actor="")) == prefixed  # blank = any

    assert actions(await search(admin_client, q="MALLORY")) == [prefixed[0]]
    assert actions(await search(admin_client, q="100%")) == [prefixed[0]]
    assert actions(await search(admin_client, q="%")) == [prefixed[0]]  # literal, not LIKE
    assert actions(await search(admin_client, q="bad_CRED")) == [prefixed[0]]  # in details
    assert len((await search(admin_client, q="auth.LOGIN"))["entries"]) == 4


async def test_cursor_paging_newest_first(app, admin_client):
    async with app.app_context():
        for seq in range(7):
            await emit(Ping(seq=seq), app)
    everything = [e["id"] for e in (await search(admin_client, action="test.ping"))["entries"]]
    assert everything == sorted(everything, reverse=True) and len(everything) == 7
    seen, cursor, pages = [], None, 0
    while True:
        params = {"action": "test.ping", "limit": 3}
        if cursor is not None:
            params["before_id"] = cursor
        body = await search(admin_client, **params)
        seen += [e["id"] for e in body["entries"]]
        pages += 1
        cursor = body["next_before_id"]
        if cursor is None:
            break
        assert cursor == seen[-1]
    assert seen == everything and pages == 3
    exact = await search(admin_client, action="test.ping", limit=7)
    assert exact["next_before_id"] is None  # no empty last page


async def test_admins_only(client, user_client):
    for path in ("/api/audit", "/api/audit/export?format=csv"):
        assert (await user_client.get(path)).status_code == 403
        anonymous = await client.get(path)
        assert anonymous.status_code == 401
        assert (await anonymous.get_json())["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/api/audit", {"limit": "0"}, "limit"),
        ("/api/audit", {"limit": "501"}, "limit"),
        ("/api/audit", {"limit": "ten"}, "limit"),
        ("/api/audit", {"before_id": "0"}, "before_id"),
        ("/api/audit", {"before_id": "x"}, "before_id"),
        ("/api/audit", {"since": "yesterday"}, "since"),
        ("/api/audit", {"until": "2024-13-01T00:00:00"}, "until"),
        ("/api/audit", {"since": "2024-02-01", "until": "2024-01-01"}, "until"),
        ("/api/audit", {"outcome": "maybe"}, "outcome"),
        ("/api/audit", {"q": "x" * 201}, "q"),
        ("/api/audit", {"actr": "bob"}, "actr"),
        ("/api/audit", {"actor": ["a", "b"]}, "actor"),
        ("/api/audit/export", {"format": "xml"}, "format"),
        ("/api/audit/export", {"limit": "5"}, "limit"),
        ("/api/audit/export", {"since": "soon"}, "since"),
    ],
)
async def test_bad_query_values_are_400(admin_client, path, params, named):
    response = await admin_client.get(path, query_string=params)
    assert response.status_code == 400
    error = (await response.get_json())["error"]
    assert error["code"] == "validation_error"
    assert named in error["message"]


async def test_event_emitted_outside_a_request_is_recorded(app, admin_client):
    # track_event receives the emitting app, so background work is audited too.
    await emit(Ping(seq=99), app)
    entries = (await search(admin_client, action="test.ping"))["entries"]
    assert [e["details"]["seq"] for e in entries] == [99]


async def test_cursor_beyond_any_entry_id_is_a_validation_error(admin_client):
    response = await admin_client.get("/api/audit", query_string={"before_id": 2**31})
    assert response.status_code == 400
    error = (await response.get_json())["error"]
    assert error["details"]["errors"][0]["field"] == "before_id"


@pytest.mark.parametrize("path", ["/api/audit", "/api/audit/export"])
@pytest.mark.parametrize("field", ["actor", "action", "target", "q"])
async def test_filter_with_a_nul_character_is_a_validation_error(admin_client, path, field):
    response = await admin_client.get(path, query_string={field: "bo\x00b"})
    assert response.status_code == 400
    error = (await response.get_json())["error"]
    assert error["details"]["errors"][0]["field"] == field
    assert "NUL" in error["message"]
