"""The connector against in-process SSH servers: auth, jump chains, failures and their
diagnosis, plugin vetoes, visibility. Connections go through ``POST /api/servers/{id}/test``
or, to run commands, through ``open_connection``."""

from __future__ import annotations

import asyncio
import socket
import types

import asyncssh
import pytest
from sqlalchemy import update
from ssh_helpers import audit, connection_test, host_key

from sshgate.api import hookimpl
from sshgate.registry.models import Server
from sshgate.ssh import ChainError, ConnectFailed, hostkeys, open_connection, validate_chain
from sshgate.testing.ssh import TEST_USER

OTHER_SECRET_KEY = "another-secret-key-" + "y" * 32


def veto_maintenance(actor, server):
    if "maintenance" in (server.tags or []):
        return f"{server.name} is in its maintenance window"
    return None


@pytest.fixture
def sshgate_plugins():
    return [types.SimpleNamespace(before_connect=hookimpl(veto_maintenance))]


def free_port() -> int:
    """A port nothing listens on: bound once, then closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_password_auth_pins_on_first_use_and_runs_commands(
    app, admin_client, ssh_server, make_server
):
    server_id = await make_server("web", ssh_server)

    body = await connection_test(admin_client, server_id)
    assert body["ok"] is True and body["stage"] == "ok"
    assert body["message"].startswith("connected to web")
    assert body["host_key"] == {"fingerprint": ssh_server.fingerprint, "pinned": True}
    [hop] = body["hops"]
    assert hop["name"] == "web" and hop["ok"] is True and hop["port"] == ssh_server.port
    state = await host_key(admin_client, server_id)
    assert state["pinned"]["fingerprint"] == ssh_server.fingerprint
    assert state["pinned"]["by"] == "root-admin" and state["offered"] is None

    async with await open_connection(app, server_id, None, purpose="terminal") as link:
        result = await link.conn.run("echo $USER", check=True)
        assert result.stdout == f"{TEST_USER}\n"
        assert link.server.name == "web" and link.diagnosis.ok
    assert link.conn.is_closed()

    [pinned] = await audit(admin_client, "ssh.host_key_pinned")
    assert pinned["target"] == "web" and pinned["actor"] == "root-admin"
    assert pinned["details"]["fingerprint"] == ssh_server.fingerprint
    connects = await audit(admin_client, "ssh.connect")
    assert [e["details"]["purpose"] for e in connects] == ["terminal", "test"]


async def test_key_auth(app, admin_client, ssh_server, make_server):
    key = ssh_server.client_key.export_private_key("openssh").decode()
    server_id = await make_server("keyed", ssh_server, key=key)
    assert (await connection_test(admin_client, server_id))["ok"] is True
    async with await open_connection(app, server_id, None, purpose="sftp") as link:
        result = await link.conn.run("echo key-ok", check=True)
        assert result.stdout == "key-ok\n"


async def test_passphrase_protected_key_in_process(admin_client, ssh_server, make_server):
    key = ssh_server.client_key.export_private_key("openssh", "s3cret-phrase", rounds=50).decode()
    good = await make_server("good", ssh_server, key=key, passphrase="s3cret-phrase")
    wrong = await make_server("wrong", ssh_server, key=key, passphrase="not-it")
    missing = await make_server("missing", ssh_server, key=key)

    assert (await connection_test(admin_client, good))["ok"] is True
    body = await connection_test(admin_client, wrong)
    assert body["stage"] == "key_passphrase" and "wrong passphrase" in body["message"]
    assert body["hops"] == []  # decided before any connection
    body = await connection_test(admin_client, missing)
    assert body["stage"] == "key_passphrase" and "no passphrase is stored" in body["message"]


async def test_three_hop_chain_pins_each_hop(app, admin_client, ssh_server_factory, make_server):
    a, b, c = [await ssh_server_factory() for _ in range(3)]
    a_id = await make_server("A", a)
    b_id = await make_server("B", b, jump_via=a_id)
    c_id = await make_server("C", c, jump_via=b_id)

    body = await connection_test(admin_client, c_id)
    assert body["ok"] is True, body
    assert body["message"].startswith("connected to C via A, B")
    assert [h["name"] for h in body["hops"]] == ["A", "B", "C"]
    assert [h["fingerprint"] for h in body["hops"]] == [a.fingerprint, b.fingerprint, c.fingerprint]
    for server_id, server in ((a_id, a), (b_id, b), (c_id, c)):
        assert (await host_key(admin_client, server_id))["pinned"][
            "fingerprint"
        ] == server.fingerprint
    assert len({a.fingerprint, b.fingerprint, c.fingerprint}) == 3

    async with await open_connection(app, c_id, None, purpose="terminal") as link:
        assert len(link.connections) == 3 and len(link.hops) == 3
        result = await link.conn.run("echo hop-ok", check=True)
        assert result.stdout == "hop-ok\n"
    assert all(conn.is_closed() for conn in link.connections)
    [connected, _] = await audit(admin_client, "ssh.connect")
    assert connected["target"] == "C" and connected["details"]["hops"] == ["A", "B"]


async def test_refused_port(admin_client, make_server):
    server_id = await make_server("gone", None, host="127.0.0.1", port=free_port())
    body = await connection_test(admin_client, server_id)
    assert body["ok"] is False and body["stage"] == "tcp_refused"
    assert body["hop"] == 1 and body["hop_name"] == "gone"
    assert "TCP connection to gone (127.0.0.1:" in body["message"]
    assert "refused (hop 1 of 1)" in body["message"]
    assert body["host_key"] is None
    [failed] = await audit(admin_client, "ssh.connect_failed")
    assert failed["outcome"] == "failure" and failed["details"]["stage"] == "tcp_refused"


async def test_refused_port_behind_a_jump_host(admin_client, ssh_server, make_server):
    bastion = await make_server("bastion-1", ssh_server)
    target = await make_server("db", None, host="127.0.0.1", port=free_port(), jump_via=bastion)
    body = await connection_test(admin_client, target)
    assert body["stage"] == "tcp_refused" and body["hop"] == 2 and body["hop_name"] == "db"
    assert "via bastion-1" in body["message"] and "(hop 2 of 2)" in body["message"]
    assert [h["ok"] for h in body["hops"]] == [True, False]


async def test_unresolvable_host(admin_client, make_server):
    server_id = await make_server("nowhere", None, host="no-such-host.invalid", port=22)
    body = await connection_test(admin_client, server_id)
    assert body["stage"] == "dns" and "no-such-host.invalid" in body["message"]


async def test_wrong_password(admin_client, ssh_server, make_server):
    server_id = await make_server("web", ssh_server, password="not-the-password")
    body = await connection_test(admin_client, server_id)
    assert body["stage"] == "auth_failed" and body["hop_name"] == "web"
    assert f"user {TEST_USER!r}" in body["message"]
    # The host key was verified (and pinned) before the password went out.
    assert body["host_key"] == {"fingerprint": ssh_server.fingerprint, "pinned": True}


async def test_unreadable_credentials_are_a_diagnosis(admin_client, ssh_server, make_server):
    server_id = await make_server("web", ssh_server, secret_key=OTHER_SECRET_KEY)
    body = await connection_test(admin_client, server_id)
    assert body["stage"] == "credentials_unreadable"
    assert body["message"].startswith(
        "credentials of server web unreadable: encrypted with a different SSHGATE_SECRET_KEY"
    )
    assert body["hops"] == []


async def test_before_connect_veto_on_a_hop(admin_client, ssh_server_factory, make_server):
    a, b = await ssh_server_factory(), await ssh_server_factory()
    a_id = await make_server("A", a, tags=["maintenance"])
    b_id = await make_server("B", b, jump_via=a_id)

    body = await connection_test(admin_client, b_id)
    assert body["stage"] == "vetoed" and body["hop"] == 1 and body["hop_name"] == "A"
    assert "A is in its maintenance window" in body["message"]
    assert body["hops"] == []  # no hop was contacted
    [failed] = await audit(admin_client, "ssh.connect_failed")
    assert failed["outcome"] == "denied" and failed["target"] == "B"


async def test_chain_validation(app, admin_client, ssh_server, make_server):
    a_id = await make_server("A", ssh_server)
    b_id = await make_server("B", ssh_server, jump_via=a_id)
    c_id = await make_server("C", ssh_server, jump_via=b_id)
    db = app.extensions["sshgate"].db
    async with db.session() as session:
        assert [s.name for s in await validate_chain(session, None, c_id, 8)] == ["A", "B", "C"]
        with pytest.raises(
            ChainError, match="jump chain loops: this server -> C -> B -> this server"
        ):
            await validate_chain(session, a_id, c_id, 8)  # A would jump via C
        with pytest.raises(ChainError, match="cannot jump via itself"):
            await validate_chain(session, a_id, a_id, 8)
        with pytest.raises(ChainError, match="longer than 2 jump hosts"):
            await validate_chain(session, None, c_id, 2)
        with pytest.raises(ChainError, match="jump server #999 does not exist"):
            await validate_chain(session, None, 999, 8)
        # A loop made behind the registry's back is still refused when connecting.
        await session.execute(update(Server).where(Server.id == a_id).values(jump_via_id=c_id))

    body = await connection_test(admin_client, c_id)
    assert body["stage"] == "chain_invalid" and "jump chain loops" in body["message"]


async def test_too_long_chain_is_refused(app, ssh_server, make_server):
    previous = None
    for index in range(10):  # nine jump hosts in front of the last: one over the default 8
        previous = await make_server(f"hop-{index}", ssh_server, jump_via=previous)
    with pytest.raises(ConnectFailed) as failed:
        await open_connection(app, previous, None, purpose="monitor")
    diagnosis = failed.value.diagnosis
    assert diagnosis.stage == "chain_invalid" and diagnosis.hops == []
    assert "longer than 8 jump hosts (SSHGATE_MAX_JUMP_DEPTH)" in diagnosis.message


async def test_visibility_and_permissions(user_client, admin_client, ssh_server, make_server):
    hidden = await make_server("ops-box", ssh_server, group="ops")
    visible = await make_server("dev-box", ssh_server, group="dev")

    response = await user_client.post(f"/api/servers/{hidden}/test")
    assert response.status_code == 403
    assert (await user_client.get(f"/api/servers/{hidden}/host-key")).status_code == 403
    assert (await connection_test(user_client, visible))["ok"] is True
    state = await host_key(user_client, visible)
    assert state["pinned"]["fingerprint"] == ssh_server.fingerprint
    assert state["pinned"]["by"] == "alice"
    for method, path in (("post", "host-key/approve"), ("delete", "host-key")):
        response = await user_client.request(
            method, f"/api/servers/{visible}/{path}", json={"fingerprint": "SHA256:x"}
        )
        assert response.status_code == 403, path
    response = await admin_client.post("/api/servers/999/test")
    assert response.status_code == 404


async def test_concurrent_first_connections_pin_once(app, admin_client, ssh_server, make_server):
    server_id = await make_server("web", ssh_server)
    links = await asyncio.gather(
        *(open_connection(app, server_id, None, purpose="test") for _ in range(5))
    )
    for link in links:
        await link.close()
    assert len(await audit(admin_client, "ssh.host_key_pinned")) == 1
    assert len(await audit(admin_client, "ssh.connect")) == 5


async def test_racing_pins_of_different_keys_keep_one(app, ssh_server, make_server):
    """Two workers seeing different keys for a new server (one of them through an
    attacker): exactly one key is pinned and both are told which."""
    server_id = await make_server("web", ssh_server)
    db = app.extensions["sshgate"].db
    keys = [asyncssh.generate_private_key("ssh-ed25519").convert_to_public() for _ in range(2)]
    results = await asyncio.gather(
        *(hostkeys.pin_first_use(db, server_id, key, "system") for key in keys)
    )
    assert sorted(won for _, won in results) == [False, True]
    pins = {pin.fingerprint for pin, _ in results}
    [winner] = [key for key, (_, won) in zip(keys, results, strict=True) if won]
    assert pins == {hostkeys.fingerprint(winner)}


def test_events_are_registered(app):
    names = {event.name for event in app.extensions["sshgate"].plugins.collect("register_events")}
    assert {
        "ssh.connect",
        "ssh.connect_failed",
        "ssh.host_key_pinned",
        "ssh.host_key_changed",
        "ssh.host_key_approved",
        "ssh.host_key_cleared",
    } <= names
