"""The guard: every route declares a permission, and the same rules hold on REST and
WebSocket routes (forced password change, pre-auth tokens, revocation, read-only keys)."""

from __future__ import annotations

import asyncio
import re

import pytest
from quart.testing.connections import WebsocketDisconnectError, WebsocketResponseError

from sshgate.auth.permissions import PASSWORD_CHANGE_ACTIONS, PUBLIC, declared_permission
from sshgate.testing.users import DEFAULT_PASSWORD, create_user, login


@pytest.fixture
def sshgate_load_entrypoints() -> bool:
    return True  # the test plugin's routes are routes too


def routes(app):
    """(method, path with sample arguments, websocket?, declared permission) for every rule."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        path = re.sub(r"<int:[^>]+>", "1", rule.rule)
        path = re.sub(r"<any\([^)]*\):[^>]+>", "app", path)
        path = re.sub(r"<[^>]+>", "x1234567", path)
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}) or ["GET"]
        yield methods[0], path, rule.websocket, declared_permission(view)


def test_every_route_declares_a_permission(app):
    undeclared = [(m, p) for m, p, _, permission in routes(app) if permission is None]
    assert undeclared == []


async def test_undeclared_route_is_denied(sshgate_settings):
    import types

    from quart import Blueprint

    from sshgate.api import hookimpl
    from sshgate.app import create_app

    bp = Blueprint("sloppy", __name__, url_prefix="/api/sloppy")
    bp.get("")(lambda: {"oops": True})
    plugin = types.SimpleNamespace(register_blueprints=hookimpl(lambda app: [bp]))
    app = create_app(sshgate_settings, plugins=[plugin], environ={})
    async with app.test_app():
        response = await app.test_client().get("/api/sloppy")
        assert response.status_code == 403


async def call(client, method, path, websocket, headers):
    """Status of one request; for a WebSocket, the status of the refused handshake."""
    if websocket:
        try:
            async with client.websocket(path, headers=headers) as ws:
                await ws.receive()
        except WebsocketResponseError as exc:
            return exc.response.status_code, await exc.response.get_json()
        except WebsocketDisconnectError as exc:
            return exc.args[0], None
        return 101, None
    response = await getattr(client, method.lower())(path, headers=headers, json={})
    return response.status_code, await response.get_json()


async def test_forced_password_change_blocks_every_route_family(app, client):
    await create_user(app, "newbie", must_change_password=True)
    token = (await login(app, "newbie")).token
    headers = {"Authorization": f"Bearer {token}"}
    checked = 0
    for method, path, websocket, permission in routes(app):
        if permission in (PUBLIC, *PASSWORD_CHANGE_ACTIONS):
            continue
        status, body = await call(client, method, path, websocket, headers)
        assert status == 403, (method, path, status, body)
        assert body["error"]["code"] == "password_change_required", (path, body)
        checked += 1
    assert checked >= 20


async def test_pre_auth_token_is_refused_everywhere_else(app, client):
    import pyotp

    await create_user(app, "twofa")
    user = await login(app, "twofa")
    secret = (await (await user.post("/api/auth/2fa/enroll")).get_json())["secret"]
    await user.post("/api/auth/2fa/confirm", json={"code": pyotp.TOTP(secret).now()})
    first = await client.post(
        "/api/auth/login", json={"username": "twofa", "password": DEFAULT_PASSWORD}
    )
    pre = (await first.get_json())["pre_auth_token"]
    headers = {"Authorization": f"Bearer {pre}"}
    for method, path, websocket, permission in routes(app):
        if permission == PUBLIC:
            continue
        status, _ = await call(client, method, path, websocket, headers)
        assert status == 401, (method, path, status)


async def test_revoked_session_is_refused_and_its_websocket_closed(app, admin_client):
    user_id = await create_user(app, "erin")
    erin = await login(app, "erin")
    async with erin.websocket("/api/ws/events") as ws:
        hello = await ws.receive()
        assert '"hello"' in hello
        revoked = await admin_client.delete(f"/api/admin/users/{user_id}/sessions")
        assert (await revoked.get_json())["revoked"] == 1
        with pytest.raises(WebsocketDisconnectError) as closed:
            await asyncio.wait_for(ws.receive(), timeout=30)
        assert closed.value.args[0] == 4401
    assert (await erin.get("/api/auth/me")).status_code == 401


async def test_websocket_from_a_foreign_origin_is_refused(user_client):
    with pytest.raises(WebsocketResponseError) as refused:
        async with user_client.websocket(
            "/api/ws/events", headers={"Origin": "https://evil.example"}
        ) as ws:
            await ws.receive()
    assert refused.value.response.status_code == 403
    body = await refused.value.response.get_json()
    assert body["error"]["code"] == "bad_origin"


async def test_websocket_from_the_same_origin_is_accepted(user_client):
    async with user_client.websocket(
        "/api/ws/events", headers={"Origin": "http://localhost"}
    ) as ws:
        assert '"hello"' in await ws.receive()


async def test_anonymous_websocket_is_refused(client):
    with pytest.raises(WebsocketResponseError) as refused:
        async with client.websocket("/api/ws/events") as ws:
            await ws.receive()
    assert refused.value.response.status_code == 401


async def test_event_feed_shows_own_events_to_users_and_all_to_admins(
    app, admin_client, make_client
):
    frank = await make_client("frank")
    async with (
        frank.websocket("/api/ws/events") as feed,
        admin_client.websocket("/api/ws/events") as admin_feed,
    ):
        await feed.receive()
        await admin_feed.receive()
        await frank.post("/api/auth/api-keys", json={"name": "ci"})
        await admin_client.post("/api/auth/api-keys", json={"name": "admin-ci"})
        mine = await asyncio.wait_for(feed.receive(), 30)
        assert '"key_name": "ci"' in mine and "admin-ci" not in mine
        seen = [await asyncio.wait_for(admin_feed.receive(), 30) for _ in range(2)]
        assert any('"ci"' in s for s in seen) and any("admin-ci" in s for s in seen)


async def test_disabled_user_is_signed_out(app, admin_client):
    user_id = await create_user(app, "gina")
    gina = await login(app, "gina")
    response = await admin_client.patch(f"/api/admin/users/{user_id}", json={"disabled": True})
    assert response.status_code == 200
    assert (await gina.get("/api/auth/me")).status_code == 401
    refused = await gina.client.post(
        "/api/auth/login", json={"username": "gina", "password": DEFAULT_PASSWORD}
    )
    assert refused.status_code == 401
