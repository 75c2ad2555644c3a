"""Jump chains: a server reached through ``jump_via`` another registered server, any depth.

The same walk serves the registry's save-time check (:func:`validate_chain`) and the
connector's load (:func:`load_chain`), so a chain the registry accepted is a chain the
connector can open, and rows that went bad later (a loop made by two edits) are still caught.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ..registry.models import Server


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
        if len(jumps) > max_depth:
            raise ChainError(
                f"jump chain longer than {max_depth} jump hosts (SSHGATE_MAX_JUMP_DEPTH)"
            )
        next_id = server.jump_via_id
    jumps.reverse()
    return jumps


async def load_chain(session: AsyncSession, server_id: int, max_depth: int) -> list[Server]:
    """Every hop to reach ``server_id``, bastion first and the target last."""
    target = await session.get(Server, server_id)
    if target is None:
        raise ChainError(f"server #{server_id} does not exist")
    try:
        jumps = await validate_chain(session, target.id, target.jump_via_id, max_depth)
    except ChainError as exc:
        raise ChainError(f"server {target.name}: {exc}") from None
    return [*jumps, target]
