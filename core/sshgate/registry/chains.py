"""Jump-host chains: refused at save time when they loop, dangle or run too deep."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Server


async def validate_chain(
    session: AsyncSession, server_id: int | None, jump_via_id: int, max_depth: int
) -> list[int]:
    """The chain of jump host ids (nearest first) for a server that would use ``jump_via_id``.

    Raises ValueError for a missing jump host, a cycle, or more than ``max_depth`` hops.
    """
    chain: list[int] = []
    current: int | None = jump_via_id
    while current is not None:
        if current == server_id or current in chain:
            raise ValueError("jump hosts would form a cycle")
        row = (
            await session.execute(select(Server.id, Server.jump_via_id).where(Server.id == current))
        ).first()
        if row is None:
            raise ValueError(f"jump host {current} does not exist")
        chain.append(current)
        current = row.jump_via_id
    # Servers that already jump through this one get longer chains too.
    depth = len(chain) + (await _dependents_depth(session, server_id) if server_id else 0)
    if depth > max_depth:
        raise ValueError(f"the jump chain would have {depth} hops; the limit is {max_depth}")
    return chain


async def _dependents_depth(session: AsyncSession, server_id: int) -> int:
    """How many levels of servers use ``server_id`` as a jump host, directly or not."""
    depth, level, seen = 0, {server_id}, {server_id}
    while level:
        rows = await session.scalars(select(Server.id).where(Server.jump_via_id.in_(level)))
        level = set(rows.all()) - seen
        seen |= level
        depth += bool(level)
    return depth
