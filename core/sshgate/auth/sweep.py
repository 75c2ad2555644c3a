"""One periodic check per worker of every login behind its open WebSockets.

A WebSocket outlives the request that authenticated it. Logout on this worker closes it
directly (:class:`~.live.LiveConnections`); everything else — logout or revocation on another
worker, expiry, the idle limit, a disabled or deleted account, a revoked API key — is found
here, with two queries for all connections of the worker, every ``RECHECK_INTERVAL``. The
sweep also keeps "last seen" fresh for logins whose only activity is an open terminal, as a
request would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from quart import Quart
from sqlalchemy import select, update

from ..db.types import utcnow
from .actor import TOUCH_INTERVAL, key_usable, login_usable
from .guard import auth_state
from .live import RECHECK_INTERVAL, LiveConnections
from .models import ApiKey, LoginSession, User

log = logging.getLogger(__name__)
ENDED = "session ended"


async def sweep_once(
    db: Any, settings: Any, live: LiveConnections, now: datetime | None = None
) -> int:
    """Close the connections whose login is no longer valid; returns how many logins ended."""
    now = now or utcnow()
    ended = 0
    session_ids, key_ids = live.session_ids(), live.api_key_ids()
    if not session_ids and not key_ids:
        return 0
    idle = settings.session_idle_timeout
    async with db.session() as session:
        rows = {}
        if session_ids:
            query = (
                select(LoginSession.id, LoginSession.revoked_at, LoginSession.expires_at)
                .add_columns(LoginSession.last_seen_at, User.disabled)
                .join(User, User.id == LoginSession.user_id)
                .where(LoginSession.id.in_(session_ids))
            )
            rows = {row.id: row for row in (await session.execute(query)).all()}
        stale = []
        for sid in session_ids:
            row = rows.get(sid)
            if row is None or not login_usable(row, row.disabled, now, idle):
                live.end_session(sid, ENDED)
                ended += 1
            elif now - row.last_seen_at > TOUCH_INTERVAL:
                stale.append(sid)
        if stale:
            await session.execute(
                update(LoginSession).where(LoginSession.id.in_(stale)).values(last_seen_at=now)
            )
        if key_ids:
            query = (
                select(ApiKey.id, ApiKey.revoked_at, ApiKey.expires_at, User.disabled)
                .join(User, User.id == ApiKey.user_id)
                .where(ApiKey.id.in_(key_ids))
            )
            keys = {row.id: row for row in (await session.execute(query)).all()}
            for key_id in key_ids:
                row = keys.get(key_id)
                if row is None or row.disabled or not key_usable(row, now):
                    live.end_api_key(key_id, "API key revoked or expired")
                    ended += 1
    return ended


async def run(app: Quart, interval: float = RECHECK_INTERVAL) -> None:
    """Sweep until cancelled; a failed sweep (database away) is logged and retried."""
    gate = app.extensions["sshgate"]
    live = auth_state(app).live
    while True:
        await asyncio.sleep(interval)
        try:
            await sweep_once(gate.db, gate.settings, live)
        except Exception:
            log.exception("checking the logins of open WebSockets failed; retrying")


def start(app: Quart) -> None:
    app.extensions["sshgate.auth.sweeper"] = asyncio.ensure_future(run(app))


async def stop(app: Quart) -> None:
    task = app.extensions.pop("sshgate.auth.sweeper", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
