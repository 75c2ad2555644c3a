"""The servers API: CRUD, write-only encrypted secrets, visibility by group, validation."""

from __future__ import annotations

import asyncssh
import pytest
from registry_helpers import PASSWORD, server_body
from sqlalchemy import select

from sshgate.registry.credentials import credentials_box
from sshgate.registry.models import Server


async def test_create_returns_no_secret_and_stores_it_encrypted(app, admin_client, create_server):
    created = await create_server()
    assert created["has_secret"] is True
    text = str(created)
    assert PASSWORD not in text and "password" not in created
    async with app.extensions["sshgate"].db.session() as session:
        stored = await session.scalar(select(Server.secret).where(Server.id == created["id"]))
    assert PASSWORD not in stored
    assert credentials_box(app).decrypt(stored) == PASSWORD
    fetched = await (await admin_client.get(f"/api/servers/{created['id']}")).get_json()
    assert PASSWORD not in str(fetched)


async def test_update_changes_fields_and_replaces_secrets(app, admin_client, create_server):
    created = await create_server()
    response = await admin_client.patch(
        f"/api/servers/{created['id']}",
        json={
            "port": 2222,
            "tags": ["db"],
            "password": "another-password-1",
            "sftp_read_only": True,
        },
    )
    body = await response.get_json()
    assert (body["port"], body["tags"], body["sftp_read_only"]) == (2222, ["db"], True)
    async with app.extensions["sshgate"].db.session() as session:
        stored = await session.scalar(select(Server.secret).where(Server.id == created["id"]))
    assert credentials_box(app).decrypt(stored) == "another-password-1"


async def test_key_authentication_checks_the_key_and_passphrase(admin_client):
    key = asyncssh.generate_private_key("ssh-ed25519")
    plain = key.export_private_key().decode()
    locked = key.export_private_key(passphrase="open-sesame-123").decode()
    ok = await admin_client.post(
        "/api/servers",
        json=server_body("k1", password=None, auth_method="key", private_key=plain),
    )
    assert ok.status_code == 201
    ok2 = await admin_client.post(
        "/api/servers",
        json=server_body(
            "k2",
            password=None,
            auth_method="key",
            private_key=locked,
            key_passphrase="open-sesame-123",
        ),
    )
    assert ok2.status_code == 201 and (await ok2.get_json())["has_passphrase"]
    for name, fields, field in [
        ("k3", {"private_key": "not a key"}, "private_key"),
        ("k4", {"private_key": locked, "key_passphrase": "wrong-passphrase"}, "key_passphrase"),
        ("k5", {"private_key": locked}, "key_passphrase"),
    ]:
        bad = await admin_client.post(
            "/api/servers", json=server_body(name, password=None, auth_method="key", **fields)
        )
        assert bad.status_code == 400, name
        assert field in (await bad.get_json())["error"]["message"], name


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"host": "bad host; rm -rf /"}, "host"),
        ({"host": "-oProxyCommand=evil"}, "host"),
        ({"port": 0}, "port"),
        ({"port": "22"}, "port"),
        ({"name": "bell\x07name"}, "name"),
        ({"username": "two words"}, "username"),
        ({"sftp_allowed_paths": ["relative/path"]}, "sftp_allowed_paths"),
        ({"sftp_allowed_paths": ["/srv/\x00x"]}, "sftp_allowed_paths"),
        ({"encoding": "ebcdic"}, "encoding"),
        ({"tags": [""]}, "tags"),
        ({"surprise": True}, "surprise"),
        ({"auth_method": "key"}, "private_key"),
    ],
)
async def test_invalid_fields_are_named(admin_client, fields, field):
    response = await admin_client.post("/api/servers", json=server_body(**fields))
    assert response.status_code == 400
    error = (await response.get_json())["error"]
    assert field in error["message"], error


async def test_allowed_paths_are_normalised(admin_client, create_server):
    created = await create_server(sftp_allowed_paths=["/srv/app/../data/", "/home//deploy"])
    assert created["sftp_allowed_paths"] == ["/srv/data", "/home/deploy"]


async def test_duplicate_names_conflict(admin_client, create_server):
    await create_server()
    again = await admin_client.post("/api/servers", json=server_body())
    assert again.status_code == 409


async def test_users_see_only_their_groups_and_tags_grant_nothing(
    admin_client, user_client, create_server
):
    dev = await create_server(name="dev-1", group="dev")
    prod = await create_server(name="prod-1", group="prod", tags=["dev"])
    ungrouped = await create_server(name="loose", group="")
    listed = await (await user_client.get("/api/servers")).get_json()
    assert [s["name"] for s in listed["servers"]] == ["dev-1"]
    assert (await user_client.get(f"/api/servers/{dev['id']}")).status_code == 200
    for hidden in (prod, ungrouped):
        assert (await user_client.get(f"/api/servers/{hidden['id']}")).status_code == 404
    groups = await (await user_client.get("/api/servers/groups")).get_json()
    assert groups == {"groups": [{"name": "dev", "servers": 1}]}
    admin_groups = await (await admin_client.get("/api/servers/groups")).get_json()
    assert {g["name"] for g in admin_groups["groups"]} == {"", "dev", "prod"}


async def test_users_cannot_change_the_registry(admin_client, user_client, create_server):
    created = await create_server()
    assert (await user_client.post("/api/servers", json=server_body("x"))).status_code == 403
    assert (
        await user_client.patch(f"/api/servers/{created['id']}", json={"port": 1})
    ).status_code == 403
    assert (await user_client.delete(f"/api/servers/{created['id']}")).status_code == 403


async def test_search_by_text_group_and_tag(admin_client, create_server):
    await create_server(name="web-1", host="web1.example.org", tags=["nginx"])
    await create_server(name="db-1", host="10.0.0.9", group="data", tags=["postgres"])

    async def names(query: str) -> list[str]:
        body = await (await admin_client.get(f"/api/servers?{query}")).get_json()
        return [s["name"] for s in body["servers"]]

    assert await names("q=WEB1") == ["web-1"]
    assert await names("q=postgres") == ["db-1"]
    assert await names("q=10.0.0") == ["db-1"]
    assert await names("group=data") == ["db-1"]
    assert await names("tag=nginx") == ["web-1"]
    assert await names("q=%25") == []
    bad = await admin_client.get("/api/servers?colour=blue")
    assert bad.status_code == 400


async def test_jump_hosts_must_exist_and_not_loop(admin_client, create_server):
    a = await create_server(name="a")
    b = await create_server(name="b", jump_via=a["id"])
    missing = await admin_client.post("/api/servers", json=server_body("c", jump_via=99999))
    assert missing.status_code == 400
    loop = await admin_client.patch(f"/api/servers/{a['id']}", json={"jump_via": b["id"]})
    assert loop.status_code == 400
    assert "jump chain loops" in (await loop.get_json())["error"]["message"]
    self_loop = await admin_client.patch(f"/api/servers/{a['id']}", json={"jump_via": a["id"]})
    assert self_loop.status_code == 400


async def test_chain_depth_is_limited(admin_client, create_server):
    first = previous = await create_server(name="hop0")
    for i in range(1, 9):  # hop8 reaches its target through 8 jump hosts: the limit
        previous = await create_server(name=f"hop{i}", jump_via=previous["id"])
    too_deep = await admin_client.post(
        "/api/servers", json=server_body("hop9", jump_via=previous["id"])
    )
    assert too_deep.status_code == 400
    assert "jump_via" in (await too_deep.get_json())["error"]["message"]
    # Lengthening the chain from its far end is refused too.
    outer = await create_server(name="outer")
    longer = await admin_client.patch(f"/api/servers/{first['id']}", json={"jump_via": outer["id"]})
    assert longer.status_code == 400


async def test_a_jump_host_in_use_cannot_be_deleted(admin_client, create_server):
    bastion = await create_server(name="bastion")
    await create_server(name="inner", jump_via=bastion["id"])
    refused = await admin_client.delete(f"/api/servers/{bastion['id']}")
    assert refused.status_code == 409
    assert (await refused.get_json())["error"]["details"]["used_by"] == ["inner"]
    assert (await admin_client.get("/api/servers/12345")).status_code == 404


async def test_registry_changes_are_audited_without_secret_values(admin_client, create_server):
    created = await create_server()
    await admin_client.patch(f"/api/servers/{created['id']}", json={"password": "rotated-pass-1"})
    await admin_client.delete(f"/api/servers/{created['id']}")
    body = await (await admin_client.get("/api/audit?action=registry.*")).get_json()
    changes = [(e["details"]["change"], e["details"]["fields"]) for e in body["entries"]]
    assert ("updated", ["password"]) in changes
    assert [c for c, _ in changes] == ["deleted", "updated", "created"]
    assert PASSWORD not in str(body) and "rotated-pass-1" not in str(body)


async def test_a_user_without_groups_sees_no_servers(make_client, create_server):
    await create_server(name="any-1", group="dev")
    await create_server(name="loose-1", group="")
    nobody = await make_client("nobody")
    listed = await nobody.get("/api/servers")
    assert listed.status_code == 200
    assert (await listed.get_json())["servers"] == []
    assert (await (await nobody.get("/api/servers/groups")).get_json())["groups"] == []


async def test_jump_via_beyond_any_server_id_is_a_validation_error(admin_client, create_server):
    server = await create_server()
    for response in (
        await admin_client.post("/api/servers", json=server_body("web-2", jump_via=2**31)),
        await admin_client.patch(f"/api/servers/{server['id']}", json={"jump_via": 10**30}),
    ):
        assert response.status_code == 400
        error = (await response.get_json())["error"]
        assert error["code"] == "validation_error"
        assert [e["field"] for e in error["details"]["errors"]] == ["jump_via"]


@pytest.mark.parametrize("field", ["q", "group", "tag"])
async def test_search_with_a_nul_character_is_a_validation_error(admin_client, field):
    response = await admin_client.get("/api/servers", query_string={field: "we\x00b"})
    assert response.status_code == 400
    error = (await response.get_json())["error"]
    assert error["details"]["errors"][0]["field"] == field
    assert "NUL" in error["message"]
