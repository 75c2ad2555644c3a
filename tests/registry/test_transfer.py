"""Import and export (ours and webgate's format), sealed secrets, and secret-key rotation."""

from __future__ import annotations

import asyncio
import importlib.metadata
import subprocess
import sys

import pytest
from pydantic import SecretStr
from registry_helpers import PASSWORD
from sqlalchemy import select

from sshgate.app import create_app
from sshgate.crypto import SecretBox, SecretUnreadable
from sshgate.registry.credentials import PURPOSE
from sshgate.registry.models import Server

WEBGATE_EXPORT = {
    "servers": [
        {
            "name": "app-1",
            "hostname": "10.0.1.20",
            "port": 22,
            "username": "ubuntu",
            "auth_method": "password",
            "group": "production",
            "tags": ["nginx"],
            "description": "app server",
            "jump_via_name": "bastion",
        },
        {
            "name": "bastion",
            "hostname": "bastion.example.org",
            "port": 2222,
            "username": "jump",
            "auth_method": "private_key",
            "group": "production",
            "tags": [],
            "description": "",
            "jump_via_name": None,
        },
    ]
}


async def names_and_jumps(admin_client) -> dict[str, str | None]:
    body = await (await admin_client.get("/api/servers")).get_json()
    by_id = {s["id"]: s["name"] for s in body["servers"]}
    return {s["name"]: by_id.get(s["jump_via"]) for s in body["servers"]}


async def test_import_a_webgate_export_resolving_jump_hosts_by_name(admin_client):
    response = await admin_client.post("/api/servers/import", json=WEBGATE_EXPORT)
    assert response.status_code == 200, await response.get_json()
    report = await response.get_json()
    assert sorted(report["created"]) == ["app-1", "bastion"] and report["errors"] == []
    assert await names_and_jumps(admin_client) == {"app-1": "bastion", "bastion": None}
    servers = (await (await admin_client.get("/api/servers")).get_json())["servers"]
    bastion = next(s for s in servers if s["name"] == "bastion")
    assert (bastion["host"], bastion["port"], bastion["auth_method"]) == (
        "bastion.example.org",
        2222,
        "key",
    )
    again = await (await admin_client.post("/api/servers/import", json=WEBGATE_EXPORT)).get_json()
    assert sorted(again["skipped"]) == ["app-1", "bastion"]


async def test_an_import_is_audited_with_its_counts(admin_client):
    await admin_client.post("/api/servers/import", json=WEBGATE_EXPORT)
    body = await (await admin_client.get("/api/audit?action=registry.servers_imported")).get_json()
    [entry] = body["entries"]
    assert entry["details"] == {"created_count": 2, "updated": 0, "skipped": 0}


async def test_import_with_a_bad_row_applies_nothing(admin_client):
    rows = [
        {"name": "good", "host": "10.0.0.1", "username": "u"},
        {"name": "bad", "host": "not a host!", "username": "u"},
        {"name": "lost", "host": "10.0.0.2", "username": "u", "jump_via_name": "nowhere"},
        "not an object",
    ]
    response = await admin_client.post("/api/servers/import", json={"servers": rows})
    assert response.status_code == 400
    details = (await response.get_json())["error"]["details"]
    assert {e["row"] for e in details["errors"]} == {1, 2, 3}
    assert details["created"] == []
    assert await names_and_jumps(admin_client) == {}


async def test_import_refuses_a_cycle(admin_client):
    rows = [
        {"name": "a", "host": "10.0.0.1", "username": "u", "jump_via_name": "b"},
        {"name": "b", "host": "10.0.0.2", "username": "u", "jump_via_name": "a"},
    ]
    response = await admin_client.post("/api/servers/import", json={"servers": rows})
    assert response.status_code == 400
    assert "cycle" in str(await response.get_json())


async def test_plain_export_has_no_secrets(admin_client, create_server):
    await create_server()
    response = await admin_client.get("/api/servers/export")
    assert response.headers["Content-Disposition"].startswith("attachment")
    document = await response.get_json()
    assert document["format"] == "sshgate-servers" and document["sealed"] is None
    assert PASSWORD not in str(document) and "secret" not in document["servers"][0]


async def test_sealed_export_moves_secrets_to_another_gateway(
    admin_client, sshgate_settings, create_server
):
    bastion = await create_server(name="bastion")
    await create_server(name="inner", jump_via=bastion["id"])
    passphrase = "correct horse battery staple"
    response = await admin_client.post("/api/servers/export", json={"passphrase": passphrase})
    document = await response.get_json()
    assert PASSWORD not in str(document)

    other_key = "another-gateway-secret-key-" + "y" * 20
    other = create_app(
        sshgate_settings.model_copy(update={"secret_key": SecretStr(other_key)}), environ={}
    )
    async with other.test_app():
        gate = other.extensions["sshgate"]
        from sshgate.testing.users import create_user, login

        await create_user(other, "boss", role="admin")
        boss = await login(other, "boss")
        # The first app already filled this database: import into a fresh name space.
        async with gate.db.session() as session:
            for server in (await session.scalars(select(Server))).all():
                server.name = "old-" + server.name
        wrong = await boss.post(
            "/api/servers/import", json={**document, "passphrase": "not the passphrase"}
        )
        assert wrong.status_code == 400
        ok = await boss.post("/api/servers/import", json={**document, "passphrase": passphrase})
        assert ok.status_code == 200, await ok.get_json()
        async with gate.db.session() as session:
            stored = await session.scalar(select(Server.secret).where(Server.name == "inner"))
        assert SecretBox([other_key], PURPOSE).decrypt(stored) == PASSWORD


@pytest.mark.parametrize("body", [{"servers": "nope"}, {"servers": [{}]}, {}])
async def test_malformed_imports_are_clear_errors(admin_client, body):
    response = await admin_client.post("/api/servers/import", json=body)
    assert response.status_code == 400
    assert (await response.get_json())["error"]["message"]


async def test_rotate_key_reencrypts_everything(
    app, admin_client, db_url, sshgate_settings, create_server
):
    await create_server()
    totp = await admin_client.post("/api/auth/2fa/enroll")
    assert totp.status_code == 200
    old = sshgate_settings.secret_key.get_secret_value()
    new = "brand-new-secret-key-" + "z" * 24
    # The core's columns only, as in the test's app (installed plugins' tables are not there).
    installed = ",".join(ep.name for ep in importlib.metadata.entry_points(group="sshgate"))
    env = {"PATH": "/usr/bin:/bin", "SSHGATE_DB_URL": db_url, "SSHGATE_DISABLE_PLUGINS": installed}
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "sshgate", "rotate-key", "--old", old, "--new", new],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "re-encrypted 2 secret(s)" in result.stdout
    async with app.extensions["sshgate"].db.session() as session:
        stored = await session.scalar(select(Server.secret))
    assert SecretBox([new], PURPOSE).decrypt(stored) == PASSWORD
    with pytest.raises(SecretUnreadable):
        SecretBox([old], PURPOSE).decrypt(stored)
    # Rotating again with the old key as "old" fails as a whole and changes nothing.
    again = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "sshgate", "rotate-key", "--old", old, "--new", new + "x"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 2 and "nothing changed" in again.stderr
    async with app.extensions["sshgate"].db.session() as session:
        assert await session.scalar(select(Server.secret)) == stored
