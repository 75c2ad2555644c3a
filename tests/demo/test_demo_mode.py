"""Demo mode (DEP-2) through the public surface, on both database backends: the seeded
``demo``/``demo`` account, reads allowed, every write refused with a 403 ``demo_mode`` on
REST and WebSocket alike, except signing out, terminals to the sandbox group and sharing;
``/api/config`` announces it; a reset puts back what visitors could change."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from sshgate.audit.models import AuditEntry
from sshgate.demo.reset import reset
from sshgate.testing.ssh import TEST_PASSWORD
from sshgate.testing.terminal import TerminalClient, join_shared, register_server, share_link
from sshgate.testing.users import AuthedClient, create_user, login
from sshgate.web.ws import CLOSE_FORBIDDEN


@pytest.fixture
def sshgate_settings_overrides() -> dict[str, Any]:
    return {"demo_mode": True, "demo_reset_interval": 600}


async def demo(app: Any) -> AuthedClient:
    return await login(app, "demo", "demo")


async def refused(response: Any) -> str:
    body = await response.get_json()
    assert response.status_code == 403, body
    assert body["error"]["code"] == "demo_mode", body
    return str(body["error"]["message"])


async def test_config_announces_demo_mode(client: Any) -> None:
    extra = (await (await client.get("/api/config")).get_json())["extra"]
    assert extra["demo"] == {
        "enabled": True,
        "username": "demo",
        "password": "demo",
        "reset_interval": 600,
    }


async def test_demo_account_is_seeded_and_keeps_its_password(app: Any) -> None:
    user = await demo(app)
    me = await (await user.get("/api/auth/me")).get_json()
    assert me["user"]["role"] == "user"
    assert me["user"]["must_change_password"] is False
    assert me["user"]["allowed_groups"] == ["sandbox"]
    change = await user.post(
        "/api/auth/password", json={"current_password": "demo", "new_password": "x" * 20}
    )
    assert "read-only" in await refused(change)
    await demo(app)  # the password is still demo


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/snippets", {"name": "s", "command": "ls"}),
        ("post", "/api/auth/api-keys", {"name": "k"}),
        ("post", "/api/auth/2fa/enroll", {}),
    ],
)
async def test_writes_of_a_visitor_are_refused(
    app: Any, method: str, path: str, body: dict[str, Any]
) -> None:
    user = await demo(app)
    await refused(await getattr(user, method)(path, json=body))


async def test_reads_pass(app: Any, ssh_server: Any) -> None:
    await register_server(app, ssh_server, name="box", group="sandbox", secret=TEST_PASSWORD)
    user = await demo(app)
    servers = await user.get("/api/servers")
    assert servers.status_code == 200
    assert [s["name"] for s in (await servers.get_json())["servers"]] == ["box"]
    assert (await user.get("/api/snippets")).status_code == 200


async def test_administration_is_closed_even_to_admins(admin_client: AuthedClient) -> None:
    message = await refused(await admin_client.get("/api/admin/users"))
    assert "administration is closed" in message
    create = await admin_client.post(
        "/api/servers", json={"name": "n", "host": "127.0.0.1", "username": "u"}
    )
    await refused(create)


async def test_sign_out_passes(app: Any) -> None:
    user = await demo(app)
    assert (await user.post("/api/auth/logout")).status_code in (200, 204)
    assert (await user.get("/api/auth/me")).status_code == 401


async def test_terminal_and_sharing_pass_on_the_sandbox_group_only(
    app: Any, live_server: Any, ssh_server: Any
) -> None:
    sandbox_id = await register_server(
        app, ssh_server, name="box", group="sandbox", secret=TEST_PASSWORD
    )
    other_id = await register_server(
        app, ssh_server, name="prod", group="sandbox-not", secret=TEST_PASSWORD
    )
    user = await demo(app)
    term = await TerminalClient.open(
        f"{live_server.ws_url}/api/ws/terminal/{sandbox_id}", user.token
    )
    try:
        assert term.hello.get("type") == "session", term.controls
        await term.run("echo demo-$((6*7))", "demo-42")
        link = await share_link(user, term.hello["id"], "ro")
        assert link["token"]
    finally:
        await term.close()

    # A server outside the sandbox group (visible here to an admin only): the same rule
    # answers on the WebSocket, with the same code.
    admin = await login_admin(app)
    other = await TerminalClient.open(
        f"{live_server.ws_url}/api/ws/terminal/{other_id}", admin.token
    )
    error = other.controls[0]
    assert error["type"] == "error" and error["code"] == "demo_mode", error
    assert "sandbox group" in error["message"]
    code, _ = await other.closed()
    assert code == CLOSE_FORBIDDEN


async def login_admin(app: Any) -> AuthedClient:
    await create_user(app, "ops", role="admin")
    return await login(app, "ops")


async def test_reset_revokes_shares_ends_terminals_and_restores_the_account(
    app: Any, live_server: Any, ssh_server: Any
) -> None:
    sandbox_id = await register_server(
        app, ssh_server, name="box", group="sandbox", secret=TEST_PASSWORD
    )
    user = await demo(app)
    term = await TerminalClient.open(
        f"{live_server.ws_url}/api/ws/terminal/{sandbox_id}", user.token
    )
    link = await share_link(user, term.hello["id"], "rw")
    # A visitor locks the demo account out by failing to sign in.
    for _ in range(app.extensions["sshgate"].settings.login_max_failures + 1):
        await app.test_client().post(
            "/api/auth/login", json={"username": "demo", "password": "wrong", "client": "api"}
        )
    locked = await app.test_client().post(
        "/api/auth/login", json={"username": "demo", "password": "demo", "client": "api"}
    )
    assert locked.status_code in (401, 429), await locked.get_json()

    event = await reset(app)
    assert event.shares_revoked == 1 and event.terminals_ended == 1
    await term.closed()
    again = await demo(app)  # unlocked, password demo
    joiner = await join_shared(live_server, again, link["token"])
    assert joiner.controls[-1]["code"] in ("invalid_share", "not_found"), joiner.controls
    async with app.extensions["sshgate"].db.session() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "demo.reset"))
    assert entry is not None and entry.details["shares_revoked"] == 1
