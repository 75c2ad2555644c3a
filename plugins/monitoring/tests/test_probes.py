"""Probes against real targets: the in-process SSH server, OpenSSH, a closed port, a port
that never sends a banner, a server behind a jump host, and a host whose key changed."""

from __future__ import annotations

from monitoring_helpers import (
    Port,
    audit,
    full_backlog,
    register,
    silent_listener,
    status_of,
    wait_state,
)

from sshgate.testing.terminal import eventually


async def test_a_reachable_server_is_online_with_its_banner_and_latency(admin_client, ssh_server):
    server_id = await register(admin_client, ssh_server, name="web-1")
    row = await wait_state(admin_client, server_id, "online")
    assert row["reason"] is None and row["name"] == "web-1"
    assert row["message"].startswith("SSH-2.0-AsyncSSH")
    assert row["latency_ms"] is not None and row["latency_ms"] >= 0
    assert row["checked_at"] and row["changed_at"]


async def test_a_closed_port_is_offline_refused_and_audited(admin_client):
    server_id = await register(admin_client, Port(), name="closed")
    row = await wait_state(admin_client, server_id, "offline", reason="refused")
    assert "refused" in row["message"] and row["latency_ms"] is None
    entries = await eventually(
        lambda: audit(admin_client, "monitoring.server_offline"), "an offline audit entry"
    )
    assert entries[0]["target"] == "closed"
    assert entries[0]["details"]["reason"] == "refused"
    assert entries[0]["outcome"] == "failure"


class Unresolvable:
    """A name no resolver knows (``.invalid`` is reserved for that, RFC 6761)."""

    host = "no-such-host.invalid"
    port = 22


async def test_an_unresolvable_name_is_offline_dns_directly_and_via_an_openssh_jump_host(
    admin_client, sshd, ssh_server
):
    # The real OpenSSH as the bastion: it resolves onward names itself and says so when it
    # cannot (the in-process server forwards to loopback only).
    direct = await register(admin_client, Unresolvable(), name="nowhere")
    bastion = await register(admin_client, sshd, name="openssh-bastion")
    behind = await register(admin_client, Unresolvable(), name="nowhere-inside", jump_via=bastion)
    reachable = await register(admin_client, ssh_server, name="inside", jump_via=bastion)
    row = await wait_state(admin_client, direct, "offline", reason="dns")
    assert "DNS lookup of no-such-host.invalid failed" in row["message"]
    inside = await wait_state(admin_client, behind, "offline", reason="dns")
    assert "via its jump host" in inside["message"]
    through = await wait_state(admin_client, reachable, "online")
    assert through["message"].startswith("SSH-2.0-AsyncSSH")
    await wait_state(admin_client, bastion, "online")


async def test_a_connect_that_hangs_is_offline_timeout(admin_client):
    with full_backlog() as hanging:
        server_id = await register(admin_client, hanging, name="hanging")
        row = await wait_state(admin_client, server_id, "offline", reason="timeout")
    assert "timed out after 3 s" in row["message"]


async def test_a_port_without_ssh_banner_is_offline_banner(admin_client):
    async with silent_listener() as silent:
        server_id = await register(admin_client, silent, name="silent")
        row = await wait_state(admin_client, server_id, "offline", reason="banner")
    assert "no SSH banner" in row["message"]


async def test_transitions_offline_then_online_are_audited_once_each(admin_client, ssh_server):
    server_id = await register(admin_client, ssh_server, name="flappy")
    await wait_state(admin_client, server_id, "online")
    closed = Port()
    moved = await admin_client.patch(f"/api/servers/{server_id}", json={"port": closed.port})
    assert moved.status_code == 200
    down = await wait_state(admin_client, server_id, "offline", reason="refused")
    back = await admin_client.patch(f"/api/servers/{server_id}", json={"port": ssh_server.port})
    assert back.status_code == 200
    up = await wait_state(admin_client, server_id, "online")
    assert up["changed_at"] > down["changed_at"]
    offline = await audit(admin_client, "monitoring.server_offline")
    online = await audit(admin_client, "monitoring.server_online")
    assert [e["target"] for e in offline] == ["flappy"]
    assert [e["target"] for e in online] == ["flappy"]
    assert online[0]["details"]["down_seconds"] >= 0
    # Several rounds later: no new entries while nothing changes.
    rounds = (await status_of(admin_client, server_id))["checked_at"]
    await eventually(lambda: _checked_after(admin_client, server_id, rounds), "another probe round")
    assert len(await audit(admin_client, "monitoring.server_online")) == 1


async def _checked_after(client, server_id, when) -> bool:
    return (await status_of(client, server_id))["checked_at"] > when


async def test_openssh_banner_probe_leaves_no_login_in_the_auth_log(admin_client, sshd):
    before = len(sshd.log())
    server_id = await register(admin_client, sshd, name="openssh")
    row = await wait_state(admin_client, server_id, "online")
    assert row["message"].startswith("SSH-2.0-OpenSSH")
    await eventually(lambda: "Connection closed by" in sshd.log()[before:], "sshd saw a probe")
    probed = sshd.log()[before:]
    for noise in ("Accepted", "Failed", "Invalid user", "authenticating user", "Postponed"):
        assert noise not in probed, probed


async def test_a_server_behind_a_jump_host_is_probed_through_the_chain(
    admin_client, ssh_server, ssh_server_factory
):
    inner = await ssh_server_factory()
    bastion_id = await register(admin_client, ssh_server, name="bastion")
    inner_id = await register(admin_client, inner, name="inner", jump_via=bastion_id)
    closed_id = await register(admin_client, Port(), name="inner-closed", jump_via=bastion_id)
    row = await wait_state(admin_client, inner_id, "online")
    assert row["via"] == bastion_id and row["message"].startswith("SSH-2.0-AsyncSSH")
    refused = await wait_state(admin_client, closed_id, "offline", reason="refused")
    assert "via its jump host" in refused["message"]
    # One chain to the bastion serves every round: one audited login, not one per probe.
    await eventually(
        lambda: _checked_after(admin_client, inner_id, row["checked_at"]), "a later round"
    )
    connects = [
        e for e in await audit(admin_client, "ssh.connect") if e["details"]["purpose"] == "monitor"
    ]
    assert [e["target"] for e in connects] == ["bastion"]


async def test_a_dead_jump_host_makes_the_servers_behind_it_offline_jump(
    admin_client, ssh_server, ssh_server_factory
):
    inner = await ssh_server_factory()
    closed = Port()
    bastion_id = await register(admin_client, closed, name="dead-bastion")
    inner_id = await register(admin_client, inner, name="behind", jump_via=bastion_id)
    row = await wait_state(admin_client, inner_id, "offline", reason="jump")
    assert "dead-bastion" in row["message"]
    await wait_state(admin_client, bastion_id, "offline", reason="refused")


async def test_full_check_reports_a_changed_host_key(admin_client, ssh_server):
    server_id = await register(admin_client, ssh_server, name="pinned")
    configured = await admin_client.put(
        f"/api/monitoring/servers/{server_id}", json={"full_check": True}
    )
    assert configured.status_code == 200, await configured.get_json()
    assert (await configured.get_json())["full_check"] is True
    await wait_state(admin_client, server_id, "online")  # trusted on first use, then pinned
    ssh_server.replace_host_key()
    row = await wait_state(admin_client, server_id, "offline", reason="host_key_changed")
    assert "host key" in row["message"]
    # The banner probe cannot see a key: switched back, the server reads as online again.
    back = await admin_client.put(
        f"/api/monitoring/servers/{server_id}", json={"full_check": False}
    )
    assert back.status_code == 200
    await wait_state(admin_client, server_id, "online")
    changes = await audit(admin_client, "monitoring.check_changed")
    assert [e["details"]["full_check"] for e in changes] == [False, True]


async def test_configuring_checks_is_for_administrators_and_validated(
    admin_client, user_client, ssh_server
):
    server_id = await register(admin_client, ssh_server, name="conf")
    url = f"/api/monitoring/servers/{server_id}"
    assert (await user_client.put(url, json={"full_check": True})).status_code == 403
    bad = await admin_client.put(url, json={"full_check": "yes"})
    assert bad.status_code == 400
    assert (await bad.get_json())["error"]["code"] == "validation_error"
    missing = await admin_client.put("/api/monitoring/servers/999999", json={"full_check": True})
    assert missing.status_code == 404


async def test_users_see_the_status_of_their_groups_only(admin_client, user_client, ssh_server):
    mine = await register(admin_client, ssh_server, name="dev-box", group="dev")
    theirs = await register(admin_client, ssh_server, name="ops-box", group="ops")
    await wait_state(admin_client, theirs, "online")
    listed = await (await user_client.get("/api/monitoring/status")).get_json()
    assert [row["id"] for row in listed["servers"]] == [mine]
    assert listed["interval"] == 0.3 and listed["probing"] is True


async def test_health_lists_the_prober_role(client):
    async def holds() -> bool:
        health = await (await client.get("/api/health")).get_json()
        return health["roles"].get("monitoring.probe") is True

    await eventually(holds, "this worker holds the prober lease")


async def test_a_full_check_logs_in_to_openssh_and_pins_its_key(admin_client, sshd):
    before = len(sshd.log())
    server_id = await register(admin_client, sshd, name="openssh-full")
    configured = await admin_client.put(
        f"/api/monitoring/servers/{server_id}", json={"full_check": True}
    )
    assert configured.status_code == 200, await configured.get_json()
    row = await wait_state(admin_client, server_id, "online")
    assert row["message"].startswith("SSH-2.0-OpenSSH") and row["full_check"] is True
    # A real login this time (that is the point of a full check), and the key is now pinned.
    await eventually(lambda: "Accepted publickey" in sshd.log()[before:], "sshd saw a login")
    server = await (await admin_client.get(f"/api/servers/{server_id}")).get_json()
    assert server["host_key"]["fingerprint"], server
