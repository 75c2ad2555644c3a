"""The database goes away for real: every API answers 503 ``dependency_unavailable`` within
a few seconds, health says degraded, and all is well again once it is back, without a
restart. PostgreSQL is cut off through a TCP proxy between the app and the server
(``pg_proxy.py``), or from the server side (connections terminated and refused)."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import asyncpg
import pytest
import websockets
from pg_proxy import PgProxy
from quart.testing import WebsocketResponseError
from sqlalchemy import text
from sqlalchemy.engine import make_url

from sshgate.db import engine as db_engine
from sshgate.testing.services import postgres_admin_url
from sshgate.testing.users import DEFAULT_PASSWORD

# A refused or reset connection answers at once; a frozen network costs the pre-ping's and
# the connect's timeouts (2 s + 5 s at most). The rest is slack for a loaded machine.
BOUND = db_engine.PING_TIMEOUT + db_engine.CONNECT_TIMEOUT + 3
LOGIN = {"username": "root-admin", "password": DEFAULT_PASSWORD, "client": "api"}


@pytest.fixture
async def pg_proxy(db_url):
    if not db_url.startswith("postgresql"):
        yield None
        return
    target = make_url(db_url)
    proxy = await PgProxy(target.host or "127.0.0.1", target.port or 5432).start()
    try:
        yield proxy
    finally:
        await proxy.stop()


@pytest.fixture
def sshgate_settings_overrides(db_url, pg_proxy):
    """On PostgreSQL the app reaches its database through the proxy only."""
    if pg_proxy is None:
        return {}
    url = make_url(db_url).set(host=pg_proxy.host, port=pg_proxy.port)
    return {"db_url": url.render_as_string(hide_password=False)}


async def timed(call):
    started = time.monotonic()
    response = await call
    return response, time.monotonic() - started


async def assert_unavailable(call) -> None:
    response, elapsed = await timed(call)
    assert response.status_code == 503, await response.get_data()
    assert elapsed < BOUND, f"503 after {elapsed:.1f} s"
    body = await response.get_json()
    assert body["error"]["code"] == "dependency_unavailable"
    assert body["error"]["details"]["dependency"] == "database"
    assert body["error"]["message"]
    assert response.headers["Retry-After"]


async def assert_health(client, status: int, state: str, database: str) -> None:
    response, elapsed = await timed(client.get("/api/health"))
    assert response.status_code == status
    assert elapsed < BOUND, f"health answered after {elapsed:.1f} s"
    body = await response.get_json()
    assert (body["status"], body["database"]) == (state, database)


async def assert_everything_down(client, admin_client) -> None:
    await assert_unavailable(client.post("/api/auth/login", json=LOGIN))
    await assert_unavailable(admin_client.get("/api/servers"))
    await assert_health(client, 503, "degraded", "unavailable")


async def assert_everything_back(client, admin_client) -> None:
    assert (await client.post("/api/auth/login", json=LOGIN)).status_code == 200
    assert (await admin_client.get("/api/servers")).status_code == 200
    await assert_health(client, 200, "ok", "ok")


@pytest.mark.sshgate_db("postgresql")
async def test_refused_connections_answer_503_and_recover(client, admin_client, pg_proxy, caplog):
    await assert_everything_back(client, admin_client)  # pooled connections exist now
    await pg_proxy.refuse()
    with caplog.at_level(logging.WARNING):
        await assert_everything_down(client, admin_client)
        await assert_everything_down(client, admin_client)  # and stays so, no hang later
        # Credentials that cannot be checked do not hide the health report.
        await assert_health(admin_client, 503, "degraded", "unavailable")
    # Expected while the database is away: one warning line a request, never a traceback.
    warnings = [r for r in caplog.records if r.name == "sshgate.web.errors"]
    assert len(warnings) == 4, [r.getMessage() for r in warnings]  # login and servers, twice
    assert all(r.levelno == logging.WARNING and not r.exc_info for r in warnings)
    assert "POST /api/auth/login" in warnings[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await pg_proxy.restore()
    await assert_everything_back(client, admin_client)


@pytest.mark.sshgate_db("postgresql")
async def test_frozen_database_answers_503_within_the_timeouts_and_recovers(
    client, admin_client, pg_proxy
):
    """Accepted and never answered, like a dead network: timeouts, not hung requests."""
    await assert_everything_back(client, admin_client)
    pg_proxy.freeze()
    await assert_everything_down(client, admin_client)
    await pg_proxy.restore()
    await assert_everything_back(client, admin_client)


@pytest.mark.sshgate_db("postgresql")
async def test_terminated_and_refused_by_the_server_answers_503_and_recovers(
    app, client, admin_client, db_url
):
    """The server itself ends the app's connections and takes no new ones."""
    name = make_url(db_url).database
    admin = make_url(postgres_admin_url()).set(drivername="postgresql")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False), timeout=5)
    try:
        await assert_everything_back(client, admin_client)
        await conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        await assert_everything_down(client, admin_client)
        await conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await assert_everything_back(client, admin_client)
    finally:
        await conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await conn.close()


@pytest.mark.sshgate_db("postgresql")
async def test_statement_stuck_on_a_lock_is_cancelled_and_answered_503(
    app, client, admin_client, db_url, monkeypatch
):
    """A statement that waits (here for a lock another client holds) ends at the statement
    timeout with a 503; the app's engine is rebuilt with a short one for the test."""
    gate = app.extensions["sshgate"]
    monkeypatch.setattr(db_engine, "STATEMENT_TIMEOUT", 1.0)
    old, gate.db = gate.db, type(gate.db)(gate.db.url)
    await old.dispose()
    conn = await asyncpg.connect(
        make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False),
        timeout=5,
    )
    try:
        lock = conn.transaction()
        await lock.start()
        await conn.execute("LOCK TABLE servers IN ACCESS EXCLUSIVE MODE")
        response, elapsed = await timed(admin_client.get("/api/servers"))
        assert response.status_code == 503
        assert (await response.get_json())["error"]["code"] == "dependency_unavailable"
        assert elapsed < 5
        await lock.rollback()
        assert (await admin_client.get("/api/servers")).status_code == 200
    finally:
        await conn.close()


@pytest.mark.sshgate_db("postgresql")
async def test_websocket_handshake_is_refused_with_503_while_the_database_is_away(
    admin_client, pg_proxy
):
    await pg_proxy.refuse()
    with pytest.raises(WebsocketResponseError) as refused:
        async with admin_client.websocket("/api/ws/events") as ws:
            await ws.receive()
    assert refused.value.response.status_code == 503
    body = await refused.value.response.get_json()
    assert body["error"]["code"] == "dependency_unavailable"
    await pg_proxy.restore()
    async with admin_client.websocket("/api/ws/events") as ws:
        assert json.loads(await ws.receive())["type"] == "hello"


@pytest.mark.sshgate_db("postgresql")
async def test_websocket_handshake_over_a_real_socket_gets_http_503(
    live_server, admin_client, pg_proxy
):
    await pg_proxy.refuse()
    headers = {"Authorization": f"Bearer {admin_client.token}"}
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(
            f"{live_server.ws_url}/api/ws/events", additional_headers=headers, open_timeout=BOUND
        ):
            pass
    assert refused.value.response.status_code == 503
    assert b"dependency_unavailable" in refused.value.response.body


@pytest.mark.sshgate_db("postgresql")
async def test_open_websocket_that_needs_the_database_closes_with_4503(
    live_server, admin_client, pg_proxy
):
    """A share link is looked up after the handshake: the socket gets an error message and
    close code 4503, not a "normal" 1000 that hides the failure."""
    headers = {"Authorization": f"Bearer {admin_client.token}"}
    url = f"{live_server.ws_url}/api/ws/terminal/join"
    async with websockets.connect(url, additional_headers=headers) as ws:  # handshake done
        await pg_proxy.refuse()
        await ws.send(json.dumps({"type": "join", "token": "some-share-token"}))
        message = json.loads(await asyncio.wait_for(ws.recv(), BOUND))
        assert message["type"] == "error" and message["code"] == "dependency_unavailable"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), BOUND)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4503


async def test_a_database_error_that_is_a_bug_stays_a_500(app, admin_client, caplog):
    """Only "the database is away" is a 503: a broken statement (here: a missing table) is
    still an internal error, logged with its traceback."""
    async with app.extensions["sshgate"].db.engine.begin() as conn:
        await conn.execute(text("DROP TABLE snippets"))
    with caplog.at_level(logging.ERROR):
        response = await admin_client.get("/api/snippets")
    assert response.status_code == 500
    assert (await response.get_json())["error"]["code"] == "internal_error"
    assert any(r.exc_info for r in caplog.records if r.levelno == logging.ERROR)
