"""Failure counters in the database: rate limits per address and lockouts per account.

Counters live in a table so that every worker sees the same numbers. A key is locked for
``lockout`` seconds once it collects ``limit`` failures inside one window of that length.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.types import utcnow
from ..errors import ApiError
from .models import Throttle


class Locked(ApiError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            "too_many_attempts",
            f"too many failed attempts; try again in {retry_after} seconds",
            {"retry_after": retry_after},
        )
        self.retry_after = retry_after


async def check(session: AsyncSession, keys: Sequence[str]) -> None:
    """Raise :class:`Locked` when any key is locked now."""
    now = utcnow()
    for key in keys:
        row = await session.get(Throttle, key)
        if row is not None and row.locked_until and row.locked_until > now:
            raise Locked(max(1, math.ceil((row.locked_until - now).total_seconds())))


async def fail(session: AsyncSession, key: str, limit: int, lockout: int) -> bool:
    """Count a failure; True when this failure locked the key."""
    now = utcnow()
    window = timedelta(seconds=lockout)
    row = await session.get(Throttle, key, with_for_update=True)
    if row is None:
        row = Throttle(key=key, failures=0, window_start=now)
        session.add(row)
    if now - row.window_start > window:
        row.failures, row.window_start, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= limit:
        row.locked_until = now + window
        return True
    return False


async def clear(session: AsyncSession, key: str) -> None:
    await session.execute(delete(Throttle).where(Throttle.key == key))


def user_key(scope: str, username: str) -> str:
    return f"{scope}:user:{username.casefold()[:150]}"


def ip_key(scope: str, address: str) -> str:
    return f"{scope}:ip:{address}"
