"""Host-key trust (REG-4): pins per hop, a changed key blocks until an administrator
approves exactly the key on offer, clearing a pin, and the strict policy."""

from __future__ import annotations

import pytest
from ssh_helpers import audit, connection_test, host_key


async def approve(admin, server_id, fingerprint):
    return await admin.post(
        f"/api/servers/{server_id}/host-key/approve", json={"fingerprint": fingerprint}
    )


async def test_changed_key_on_the_middle_hop(admin_client, ssh_server_factory, make_server):
    a, b, c = [await ssh_server_factory() for _ in range(3)]
    a_id = await make_server("A", a)
    b_id = await make_server("B", b, jump_via=a_id)
    c_id = await make_server("C", c, jump_via=b_id)
    assert (await connection_test(admin_client, c_id))["ok"] is True
    old = b.fingerprint
    b.replace_host_key()
    new = b.fingerprint

    body = await connection_test(admin_client, c_id)
    assert body["ok"] is False and body["stage"] == "host_key_changed"
    assert body["hop"] == 2 and body["hop_name"] == "B"
    assert "host key of B (127.0.0.1:" in body["message"] and "(hop 2 of 3)" in body["message"]
    assert f"pinned {old}, offered {new}" in body["message"]
    assert [(h["name"], h["ok"], h["fingerprint"]) for h in body["hops"]] == [
        ("A", True, a.fingerprint),
        ("B", False, new),
    ]
    assert body["host_key"] is None  # the target was never reached
    state = await host_key(admin_client, b_id)
    assert state["pinned"]["fingerprint"] == old and state["offered"]["fingerprint"] == new
    [changed] = await audit(admin_client, "ssh.host_key_changed")
    assert changed["target"] == "B" and changed["outcome"] == "denied"
    assert changed["details"]["pinned_fingerprint"] == old
    assert changed["details"]["offered_fingerprint"] == new

    # An approval naming any other key is refused, and so is the connection still.
    for wrong in (old, c.fingerprint):
        response = await approve(admin_client, b_id, wrong)
        assert response.status_code == 409
        error = (await response.get_json())["error"]
        assert error["code"] == "fingerprint_mismatch"
        assert error["details"]["offered_fingerprint"] == new
    assert (await connection_test(admin_client, c_id))["stage"] == "host_key_changed"

    response = await approve(admin_client, b_id, new)
    assert response.status_code == 200
    state = await response.get_json()
    assert state["pinned"]["fingerprint"] == new and state["pinned"]["by"] == "root-admin"
    assert state["offered"] is None
    assert (await connection_test(admin_client, c_id))["ok"] is True
    [approved] = await audit(admin_client, "ssh.host_key_approved")
    assert approved["target"] == "B"
    assert approved["details"]["fingerprint"] == new
    assert approved["details"]["previous_fingerprint"] == old

    response = await approve(admin_client, b_id, new)  # nothing on offer any more
    assert response.status_code == 409
    assert (await response.get_json())["error"]["code"] == "nothing_offered"


async def test_clearing_a_pin_trusts_on_first_use_again(admin_client, ssh_server, make_server):
    server_id = await make_server("web", ssh_server)
    assert (await connection_test(admin_client, server_id))["ok"] is True
    old = ssh_server.fingerprint
    ssh_server.replace_host_key()
    assert (await connection_test(admin_client, server_id))["stage"] == "host_key_changed"

    response = await admin_client.delete(f"/api/servers/{server_id}/host-key")
    assert response.status_code == 200
    assert (await response.get_json())["pinned"] is None
    body = await connection_test(admin_client, server_id)
    assert body["ok"] is True
    assert body["host_key"] == {"fingerprint": ssh_server.fingerprint, "pinned": True}
    state = await host_key(admin_client, server_id)
    assert state["pinned"]["fingerprint"] == ssh_server.fingerprint
    assert state["offered"] is None
    [cleared] = await audit(admin_client, "ssh.host_key_cleared")
    assert cleared["details"]["previous_fingerprint"] == old
    assert len(await audit(admin_client, "ssh.host_key_pinned")) == 2


async def test_host_key_routes_answer_404_for_a_missing_server(admin_client):
    assert (await admin_client.get("/api/servers/999/host-key")).status_code == 404
    assert (await approve(admin_client, 999, "SHA256:x")).status_code == 404
    assert (await admin_client.delete("/api/servers/999/host-key")).status_code == 404


class TestStrictPolicy:
    @pytest.fixture
    def sshgate_settings_overrides(self):
        return {"host_key_policy": "strict"}

    async def test_unknown_keys_wait_for_approval(self, admin_client, ssh_server, make_server):
        server_id = await make_server("web", ssh_server)

        body = await connection_test(admin_client, server_id)
        assert body["ok"] is False and body["stage"] == "host_key_unknown"
        assert ssh_server.fingerprint in body["message"]
        assert "SSHGATE_HOST_KEY_POLICY is strict" in body["message"]
        assert body["host_key"] == {"fingerprint": ssh_server.fingerprint, "pinned": False}
        state = await host_key(admin_client, server_id)
        assert state["policy"] == "strict" and state["pinned"] is None
        assert state["offered"]["fingerprint"] == ssh_server.fingerprint
        assert await audit(admin_client, "ssh.host_key_pinned") == []

        assert (await approve(admin_client, server_id, ssh_server.fingerprint)).status_code == 200
        assert (await connection_test(admin_client, server_id))["ok"] is True
