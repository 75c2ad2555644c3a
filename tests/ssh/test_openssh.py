"""The connector against the real OpenSSH sshd: key, passphrase and password auth, and
OpenSSH as a jump host in front of an in-process server."""

from __future__ import annotations

from pathlib import Path

import pytest
from ssh_helpers import connection_test, host_key

from sshgate.ssh import open_connection


@pytest.fixture
def client_key(sshd) -> str:
    return Path(sshd.client_key_path).read_text()


@pytest.fixture
def passphrase_key(sshd) -> str:
    return Path(sshd.client_key_passphrase_path).read_text()


async def test_key_auth(app, admin_client, sshd, client_key, make_server):
    server_id = await make_server("openssh", sshd, username=sshd.user, key=client_key)

    body = await connection_test(admin_client, server_id)
    assert body["ok"] is True, body
    assert body["host_key"] == {"fingerprint": sshd.host_key_fingerprint, "pinned": True}
    pinned = (await host_key(admin_client, server_id))["pinned"]
    assert pinned["key"] == " ".join(sshd.host_public_key.split()[:2])
    async with await open_connection(app, server_id, None, purpose="terminal") as link:
        result = await link.conn.run("id -un", check=True)
        assert result.stdout.strip() == sshd.user


async def test_passphrase_protected_key(admin_client, sshd, passphrase_key, make_server):
    key = passphrase_key
    good = await make_server(
        "good", sshd, username=sshd.user, key=key, passphrase=sshd.client_key_passphrase
    )
    wrong = await make_server("wrong", sshd, username=sshd.user, key=key, passphrase="nope")

    assert (await connection_test(admin_client, good))["ok"] is True
    body = await connection_test(admin_client, wrong)
    assert body["stage"] == "key_passphrase" and body["hop_name"] == "wrong"
    assert (
        "the private key of server wrong cannot be decrypted: wrong passphrase" in (body["message"])
    )


async def test_password_auth(app, admin_client, sshd_password, make_server):
    server_id = await make_server(
        "pam",
        sshd_password,
        username=sshd_password.password_user,
        password=sshd_password.password,
    )
    wrong = await make_server(
        "pam-wrong", sshd_password, username=sshd_password.password_user, password="wrong-pw"
    )

    assert (await connection_test(admin_client, server_id))["ok"] is True
    async with await open_connection(app, server_id, None, purpose="terminal") as link:
        result = await link.conn.run("id -un", check=True)
        assert result.stdout.strip() == sshd_password.password_user
    body = await connection_test(admin_client, wrong)
    assert body["stage"] == "auth_failed" and body["hop_name"] == "pam-wrong"


async def test_openssh_as_jump_host(app, admin_client, sshd, client_key, ssh_server, make_server):
    bastion = await make_server("bastion", sshd, username=sshd.user, key=client_key)
    target = await make_server("inner", ssh_server, jump_via=bastion)

    body = await connection_test(admin_client, target)
    assert body["ok"] is True, body
    assert [h["fingerprint"] for h in body["hops"]] == [
        sshd.host_key_fingerprint,
        ssh_server.fingerprint,
    ]
    async with await open_connection(app, target, None, purpose="terminal") as link:
        assert (await link.conn.run("echo via-openssh", check=True)).stdout == "via-openssh\n"
