"""The per-worker sweep that closes WebSockets whose login ended elsewhere.

Another worker's logout, expiry, a disabled account or a revoked API key change only the
database; these tests make exactly that change (no call into this worker's live registry)
and check that one sweep closes what it must and nothing else.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from sshgate.auth.live import LiveConnections
from sshgate.auth.models import ApiKey, LoginSession, User
from sshgate.auth.sweep import sweep_once
from sshgate.db.types import utcnow


async def login_ids(app, user_id: int) -> list[str]:
    async with app.extensions["sshgate"].db.session() as session:
        query = select(LoginSession.id).where(LoginSession.user_id == user_id)
        return list((await session.scalars(query)).all())


def watch(live: LiveConnections, sid, user_id, api_key_id=None) -> list[str]:
    closed: list[str] = []
    live.add(sid, user_id, closed.append, api_key_id=api_key_id)
    return closed


async def test_sweep_closes_only_connections_whose_login_ended(app, user_client, make_client):
    gate = app.extensions["sshgate"]
    other = await make_client("other")
    live = LiveConnections()
    (mine,) = await login_ids(app, user_client.user_id)
    (theirs,) = await login_ids(app, other.user_id)
    kept, dropped = watch(live, mine, user_client.user_id), watch(live, theirs, other.user_id)
    assert await sweep_once(gate.db, gate.settings, live) == 0
    async with gate.db.session() as session:  # what a logout on another worker writes
        await session.execute(
            update(LoginSession).where(LoginSession.id == theirs).values(revoked_at=utcnow())
        )
    assert await sweep_once(gate.db, gate.settings, live) == 1
    assert dropped == ["session ended"] and kept == []
    assert live.session_ids() == [mine]


async def test_sweep_closes_expired_idle_and_disabled_logins(app, user_client, make_client):
    gate = app.extensions["sshgate"]
    idle, disabled = await make_client("idle"), await make_client("disabled")
    live = LiveConnections()
    closed = {
        client.user_id: watch(live, (await login_ids(app, client.user_id))[0], client.user_id)
        for client in (user_client, idle, disabled)
    }
    long_ago = utcnow() - timedelta(seconds=gate.settings.session_idle_timeout + 5)
    async with gate.db.session() as session:
        await session.execute(
            update(LoginSession)
            .where(LoginSession.user_id == idle.user_id)
            .values(last_seen_at=long_ago)
        )
        await session.execute(update(User).where(User.id == disabled.user_id).values(disabled=True))
    assert await sweep_once(gate.db, gate.settings, live) == 2
    assert closed[idle.user_id] == ["session ended"]
    assert closed[disabled.user_id] == ["session ended"]
    assert closed[user_client.user_id] == []
    expired = utcnow() + timedelta(days=400)
    assert await sweep_once(gate.db, gate.settings, live, now=expired) == 1
    assert closed[user_client.user_id] == ["session ended"]


async def test_an_open_websocket_keeps_its_login_seen(app, user_client):
    """A login whose only activity is a terminal must not hit the idle limit."""
    gate = app.extensions["sshgate"]
    live = LiveConnections()
    (sid,) = await login_ids(app, user_client.user_id)
    watch(live, sid, user_client.user_id)
    stale = utcnow() - timedelta(minutes=10)
    async with gate.db.session() as session:
        await session.execute(
            update(LoginSession).where(LoginSession.id == sid).values(last_seen_at=stale)
        )
    await sweep_once(gate.db, gate.settings, live)
    async with gate.db.session() as session:
        seen = (await session.get(LoginSession, sid)).last_seen_at
    assert seen > stale + timedelta(minutes=9)


async def test_sweep_closes_connections_of_a_revoked_api_key(app, user_client):
    gate = app.extensions["sshgate"]
    created = await user_client.post("/api/auth/api-keys", json={"name": "ci"})
    assert created.status_code == 201
    live = LiveConnections()
    async with gate.db.session() as session:
        key_id = (await session.scalars(select(ApiKey.id))).one()
    closed = watch(live, None, user_client.user_id, api_key_id=key_id)
    assert await sweep_once(gate.db, gate.settings, live) == 0
    async with gate.db.session() as session:
        await session.execute(update(ApiKey).values(revoked_at=utcnow()))
    assert await sweep_once(gate.db, gate.settings, live) == 1
    assert closed == ["API key revoked or expired"]
