"""The per-user terminal cap across workers (``SSHGATE_MAX_SESSIONS_PER_USER``).

Each user has a sorted set in Redis: one member per running shell (or per shell being
opened), scored with the time its entry expires. Taking a slot is one Lua script, so two
workers opening a user's last allowed shell at the same moment cannot both succeed. Owners
refresh their members with the session announcements; a crashed worker's members expire
after ``ANNOUNCE_TTL`` and free their slots.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from typing import Any

from .bridge import ANNOUNCE_TTL

# KEYS[1] the user's set; ARGV: now, cap, member, expires, key ttl.
_RESERVE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


def slots_key(user_id: int) -> str:
    return f"sshgate:user-terms:{user_id}"


class SessionSlots:
    def __init__(self, redis: Any) -> None:
        self.redis = redis
        self._reserve = redis.register_script(_RESERVE)

    async def reserve(self, user_id: int, cap: int) -> str | None:
        """A placeholder for a shell about to open, or None when the user is at the cap."""
        token = "opening:" + secrets.token_hex(8)
        now = time.time()
        taken = await self._reserve(
            keys=[slots_key(user_id)],
            args=[now, cap, token, now + ANNOUNCE_TTL, int(ANNOUNCE_TTL * 2)],
        )
        return token if taken else None

    async def claim(self, user_id: int, token: str, session_id: str) -> None:
        """The shell opened: its own member replaces the placeholder."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(slots_key(user_id), {session_id: time.time() + ANNOUNCE_TTL})
            pipe.zrem(slots_key(user_id), token)
            await pipe.execute()

    async def release(self, user_id: int, member: str) -> None:
        await self.redis.zrem(slots_key(user_id), member)

    async def refresh(self, sessions: Iterable[Any]) -> None:
        """Keep the members of this worker's running shells alive."""
        expires = time.time() + ANNOUNCE_TTL
        async with self.redis.pipeline(transaction=False) as pipe:
            for session in sessions:
                pipe.zadd(slots_key(session.owner_id), {session.id: expires})
                pipe.expire(slots_key(session.owner_id), int(ANNOUNCE_TTL * 2))
            await pipe.execute()
