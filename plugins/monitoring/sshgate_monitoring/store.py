"""Reading and writing ``monitoring_status``: one row per probed server."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from quart import Quart
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sshgate.api import Event, ServerInfo, db_session, utcnow

from .events import ServerOffline, ServerOnline
from .models import ServerStatus
from .outcome import ProbeResult


async def full_checks(app: Quart) -> set[int]:
    """The servers an administrator asked to be probed with a full connection."""
    async with db_session(app) as session:
        rows = await session.execute(
            select(ServerStatus.server_id).where(ServerStatus.full_check.is_(True))
        )
        return set(rows.scalars())


async def record(
    app: Quart, results: Sequence[ProbeResult], servers: Mapping[int, ServerInfo]
) -> list[Event]:
    """Store a batch of results in one transaction; the transitions to emit after it."""
    now = utcnow()
    transitions: list[Event] = []
    ids = [r.server_id for r in results]
    async with db_session(app) as session:
        rows = {
            row.server_id: row
            for row in (
                await session.execute(select(ServerStatus).where(ServerStatus.server_id.in_(ids)))
            ).scalars()
        }
        for result in results:
            row = rows.get(result.server_id)
            if row is None:
                row = ServerStatus(server_id=result.server_id, state="unknown", full_check=False)
                try:
                    async with session.begin_nested():  # the server may have been deleted
                        session.add(row)
                        await session.flush()
                except IntegrityError:
                    continue
            state = "online" if result.online else "offline"
            previous, since = row.state, row.changed_at
            row.reason = result.reason
            row.message = result.message[:2000]
            row.latency_ms = result.latency_ms
            row.checked_at = now
            row.failures = 0 if result.online else (row.failures or 0) + 1
            if state == previous:
                continue
            row.state, row.changed_at = state, now
            name = servers[result.server_id].name if result.server_id in servers else None
            if state == "offline":
                transitions.append(
                    ServerOffline(
                        target=name,
                        server_id=result.server_id,
                        reason=result.reason or "error",
                        message=result.message,
                    )
                )
            elif previous == "offline":
                down = (now - since).total_seconds() if since is not None else None
                transitions.append(
                    ServerOnline(
                        target=name,
                        server_id=result.server_id,
                        latency_ms=result.latency_ms,
                        down_seconds=round(down, 1) if down is not None else None,
                    )
                )
    return transitions


async def statuses(app: Quart, ids: Sequence[int]) -> dict[int, dict[str, object]]:
    """Stored status by server id (as JSON), for the servers in ``ids`` that have one."""
    async with db_session(app) as session:
        rows = await session.execute(select(ServerStatus).where(ServerStatus.server_id.in_(ids)))
        return {row.server_id: row.to_json() for row in rows.scalars()}


async def set_full_check(app: Quart, server_id: int, full_check: bool) -> dict[str, object]:
    async with db_session(app) as session:
        row = await session.get(ServerStatus, server_id)
        if row is None:
            row = ServerStatus(server_id=server_id, state="unknown", message="", failures=0)
            session.add(row)
        row.full_check = full_check
        await session.flush()
        return row.to_json()
