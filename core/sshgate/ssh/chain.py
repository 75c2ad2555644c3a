"""Jump chains: a server reached through ``jump_via`` another registered server, any depth.

The registry's save-time check (:func:`~sshgate.registry.chains.validate_chain`) also runs
here, when the connector loads a chain: rows that went bad later are still caught.
"""

from __future__ import annotations

__all__ = ["ChainError", "load_chain", "validate_chain"]

from sqlalchemy.ext.asyncio import AsyncSession

from ..registry.chains import ChainError, validate_chain
from ..registry.models import Server


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
