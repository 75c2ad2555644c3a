"""Jump-host chains: refused when they loop, dangle or run deeper than allowed.

The registry checks a chain when a server is saved; the connector checks it again when it
loads the chain (rows can go bad later, e.g. a loop made by two edits).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Server


class ChainError(ValueError):
    """The chain loops, is longer than allowed, or names a server that does not exist."""


async def validate_chain(
    session: AsyncSession, server_id: int | None, jump_via_id: int | None, max_depth: int
) -> list[Server]:
    """The jump hosts in front of a server, bastion first; raises :class:`ChainError`.

    ``server_id`` is None for a server not saved yet. ``max_depth`` is the most jump hosts
    allowed in front of the target (``SSHGATE_MAX_JUMP_DEPTH``).
    """
    if jump_via_id is not None and jump_via_id == server_id:
        raise ChainError("a server cannot jump via itself")
    seen: dict[int, str] = {}
    jumps: list[Server] = []
    next_id = jump_via_id
    while next_id is not None:
        if next_id == server_id or next_id in seen:
            path = ["this server", *(s.name for s in jumps), seen.get(next_id, "this server")]
            raise ChainError(
                f"jump chain loops: {' -> '.join(path)} "
                "(a server cannot be its own jump host, directly or through others)"
            )
        server = await session.get(Server, next_id)
        if server is None:
            raise ChainError(f"jump server #{next_id} does not exist")
        seen[next_id] = server.name
        jumps.append(server)
        next_id = server.jump_via_id
    # Servers that already jump through this one would get longer chains too.
    depth = len(jumps) + (await _dependents_depth(session, server_id) if server_id else 0)
    if depth > max_depth:
        raise ChainError(
            f"jump chain of {depth} jump hosts is longer than {max_depth} jump hosts "
            "(SSHGATE_MAX_JUMP_DEPTH)"
        )
    jumps.reverse()
    return jumps


async def _dependents_depth(session: AsyncSession, server_id: int) -> int:
    """How many levels of servers use ``server_id`` as a jump host, directly or not."""
    depth, level, seen = 0, {server_id}, {server_id}
    while level:
        rows = await session.scalars(select(Server.id).where(Server.jump_via_id.in_(level)))
        level = set(rows.all()) - seen
        seen |= level
        depth += bool(level)
    return depth
