"""Who is attached to a session, on every worker (SHARE-1, SHARE-2).

Without Redis a session's clients are all in this process (``session.clients``). With
Redis, a joiner may sit on another worker, behind a bridge the owner's worker cannot see
into; so each worker records its own clients of each session in one Redis hash per session
(``sshgate:term:<id>:clients``, field ``<worker>:<client id>``), and the owner's list reads
it whichever worker serves the request. A kick names a client by that field; the worker
holding the client closes it (a command on its stream).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from .clients import Client

ROSTER_TTL = 24 * 3600  # refreshed by every attach; a crashed worker's entries age out


def roster_key(session_id: str) -> str:
    return f"sshgate:term:{session_id}:clients"


def mode_of(owner_id: int, client: Client) -> str:
    """How a client is attached: the owner, a joiner (ro, rw), or an administrator watching."""
    if client.share_id is not None:
        return "ro" if client.read_only else "rw"
    return "owner" if client.user_id == owner_id else "watch"


def describe(owner_id: int, client: Client, client_id: int | str) -> dict[str, Any]:
    return {
        "id": client_id,
        "username": client.username,
        "user_id": client.user_id,
        "read_only": client.read_only,
        "share_id": client.share_id,
        "mode": mode_of(owner_id, client),
        "since": datetime.fromtimestamp(client.since, UTC).isoformat(),
    }


class Roster:
    """The Redis side. Without a bus (``bus`` is None) writes do nothing and the manager
    lists a session's clients from memory (:func:`local_entries`)."""

    def __init__(self, bus: Any) -> None:
        self.bus = bus

    def field(self, client: Client) -> str:
        return f"{self.bus.worker_id}:{client.id}"

    async def add(self, session_id: str, owner_id: int, client: Client) -> None:
        if self.bus is None:
            return
        key = roster_key(session_id)
        entry = describe(owner_id, client, self.field(client))
        async with self.bus.redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, self.field(client), json.dumps(entry))
            pipe.expire(key, ROSTER_TTL)
            await pipe.execute()

    async def remove(self, session_id: str, client: Client) -> None:
        if self.bus is not None:
            await self.bus.redis.hdel(roster_key(session_id), self.field(client))

    async def entries(self, session_id: str) -> list[dict[str, Any]]:
        raw = await self.bus.redis.hgetall(roster_key(session_id))
        return sorted((json.loads(v) for v in raw.values()), key=lambda e: e["since"])

    async def drop(self, session_id: str) -> None:
        if self.bus is not None:
            await self.bus.redis.delete(roster_key(session_id))


def local_entries(session: Any) -> list[dict[str, Any]]:
    """The roster of a session without Redis: its clients in this process."""
    return [
        describe(session.owner_id, c, c.id)
        for c in sorted(session.clients, key=lambda c: c.since)
        if not c.bridge  # a bridge stands for clients on another worker
    ]
