"""``/api/servers``: the registry's CRUD, search and groups."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from quart import Blueprint
from quart_schema import tag, validate_querystring, validate_request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..auth.guard import current_actor
from ..auth.permissions import authorize, requires
from ..errors import ApiError
from ..gate import current_gate
from ..track import emit
from ..web.schemas import Input, Text
from .credentials import credentials_box
from .events import ServerChanged
from .models import HostKey, Server
from .schemas import ServerCreate, ServerUpdate
from .service import apply_fields, get_visible, search, server_json, visible_servers

bp = Blueprint("servers", __name__, url_prefix="/api/servers")


class ServerQuery(Input):
    model_config = {"strict": False, "extra": "forbid"}

    q: Text | None = Field(None, max_length=200)
    group: Text | None = Field(None, max_length=64)
    tag: Text | None = Field(None, max_length=50)


async def _host_keys(session: Any, ids: list[int]) -> dict[int, HostKey]:
    if not ids:
        return {}
    rows = await session.scalars(select(HostKey).where(HostKey.server_id.in_(ids)))
    return {row.server_id: row for row in rows}


@bp.get("")
@requires("server.list")
@tag(["servers"])
@validate_querystring(ServerQuery)
async def list_servers(query_args: ServerQuery) -> dict[str, Any]:
    """Servers you may see, filtered by text (name, host, tags, description), group, tag."""
    actor = current_actor()
    async with current_gate().db.session() as session:
        query = search(visible_servers(actor), query_args.q, query_args.group)
        servers = [
            s
            for s in (await session.scalars(query)).all()
            if query_args.tag is None or query_args.tag in (s.tags or [])
        ]
        keys = await _host_keys(session, [s.id for s in servers])
        return {"servers": [server_json(s, keys.get(s.id)) for s in servers]}


@bp.get("/groups")
@requires("server.list")
@tag(["servers"])
async def groups() -> dict[str, Any]:
    """The groups you may see, with how many servers each holds."""
    actor = current_actor()
    visible = visible_servers(actor).subquery()
    async with current_gate().db.session() as session:
        rows = await session.execute(
            select(visible.c.group_name, func.count())
            .group_by(visible.c.group_name)
            .order_by(visible.c.group_name)
        )
        return {"groups": [{"name": name, "servers": count} for name, count in rows]}


@bp.get("/<int:server_id>")
@requires("server.view")
@tag(["servers"])
async def get_server(server_id: int) -> dict[str, Any]:
    actor = current_actor()
    async with current_gate().db.session() as session:
        server = await get_visible(session, actor, server_id)
        await authorize(actor, "server.view", server)
        keys = await _host_keys(session, [server.id])
        return server_json(server, keys.get(server.id))


@bp.post("")
@requires("admin.servers.create")
@tag(["servers"])
@validate_request(ServerCreate)
async def create_server(data: ServerCreate) -> tuple[dict[str, Any], int]:
    """Register a server. Secrets are write-only: stored encrypted, never returned."""
    settings = current_gate().settings
    try:
        async with current_gate().db.session() as session:
            if await session.scalar(select(Server.id).where(Server.name == data.name)):
                raise ApiError(409, "conflict", f"a server named {data.name!r} exists")
            server = Server(name=data.name, host=data.host, username=data.username)
            session.add(server)
            await session.flush()
            fields = await apply_fields(
                session, server, data, credentials_box(), settings.max_jump_depth
            )
            await session.flush()
            body = server_json(server)
    except IntegrityError:
        raise ApiError(409, "conflict", f"a server named {data.name!r} exists") from None
    await emit(ServerChanged(target=data.name, change="created", fields=fields))
    return body, 201


@bp.patch("/<int:server_id>")
@requires("admin.servers.update")
@tag(["servers"])
@validate_request(ServerUpdate)
async def update_server(server_id: int, data: ServerUpdate) -> dict[str, Any]:
    settings = current_gate().settings
    try:
        async with current_gate().db.session() as session:
            server = await session.get(Server, server_id, with_for_update=True)
            if server is None:
                raise ApiError(404, "not_found", f"no server {server_id}")
            if (
                data.name
                and data.name != server.name
                and await session.scalar(select(Server.id).where(Server.name == data.name))
            ):
                raise ApiError(409, "conflict", f"a server named {data.name!r} exists")
            fields = await apply_fields(
                session, server, data, credentials_box(), settings.max_jump_depth
            )
            await session.flush()
            keys = await _host_keys(session, [server.id])
            body = server_json(server, keys.get(server.id))
    except IntegrityError:
        raise ApiError(409, "conflict", "a server with that name exists") from None
    await emit(ServerChanged(target=body["name"], change="updated", fields=fields))
    return body


@bp.delete("/<int:server_id>")
@requires("admin.servers.delete")
@tag(["servers"])
async def delete_server(server_id: int) -> dict[str, Any]:
    async with current_gate().db.session() as session:
        server = await session.get(Server, server_id, with_for_update=True)
        if server is None:
            raise ApiError(404, "not_found", f"no server {server_id}")
        users = (
            await session.scalars(select(Server.name).where(Server.jump_via_id == server_id))
        ).all()
        if users:
            raise ApiError(
                409,
                "in_use",
                f"{server.name} is the jump host of {', '.join(sorted(users))}",
                {"used_by": sorted(users)},
            )
        name = server.name
        await session.delete(server)
    await emit(ServerChanged(target=name, change="deleted"))
    return {"deleted": True}
