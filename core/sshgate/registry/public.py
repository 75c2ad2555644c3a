"""What plugins may know about a server: no credentials, nothing to write back."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from quart import Quart, current_app
from sqlalchemy import select

from ..auth.permissions import authorize
from ..contract import Actor
from .models import Server
from .service import get_visible, visible_servers


@dataclasses.dataclass(frozen=True)
class ServerInfo:
    id: int
    name: str
    host: str
    port: int
    username: str
    group: str
    tags: tuple[str, ...]
    ssh_enabled: bool
    sftp_enabled: bool
    sftp_read_only: bool
    sftp_allowed_paths: tuple[str, ...]
    encoding: str
    # Changes when credentials, host or port change: pooled connections compare it.
    credentials_changed_at: datetime
    # The jump host this server is reached through (its id), None for a direct server.
    jump_via_id: int | None = None

    @classmethod
    def of(cls, server: Server) -> ServerInfo:
        return cls(
            id=server.id,
            name=server.name,
            host=server.host,
            port=server.port,
            username=server.username,
            group=server.group,
            tags=tuple(server.tags or ()),
            ssh_enabled=server.ssh_enabled,
            sftp_enabled=server.sftp_enabled,
            sftp_read_only=server.sftp_read_only,
            sftp_allowed_paths=tuple(server.sftp_allowed_paths or ()),
            encoding=server.encoding,
            credentials_changed_at=server.credentials_changed_at,
            jump_via_id=server.jump_via_id,
        )


async def server_for(
    actor: Actor, server_id: int, action: str, app: Quart | None = None
) -> ServerInfo:
    """The server if ``actor`` may see it and perform ``action`` on it; 404 or 403 otherwise."""
    gate = (app or current_app).extensions["sshgate"]
    async with gate.db.session() as session:
        server = await get_visible(session, actor, server_id)
        info = ServerInfo.of(server)
    await authorize(actor, action, info)
    return info


async def list_servers(actor: Actor | None = None, app: Quart | None = None) -> list[ServerInfo]:
    """Every server ``actor`` may see (as ``GET /api/servers`` lists them), ordered by id;
    with ``actor=None`` every registered server, for system work such as monitoring."""
    gate = (app or current_app).extensions["sshgate"]
    query = visible_servers(actor) if actor is not None else select(Server)
    async with gate.db.session() as session:
        rows = (await session.execute(query.order_by(None).order_by(Server.id))).scalars()
        return [ServerInfo.of(server) for server in rows]
