"""Sharing a live terminal (SHARE-1) and watching one as an administrator (SHARE-3).

A share link's token travels in the URL fragment and then in the first WebSocket message,
so no server or proxy log ever records it; only its hash is stored. Joiners attach to the
same PTY as extra clients that never hold up the owner: a joiner that falls behind is
dropped with a message, not waited for.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from datetime import timedelta
from typing import Any, Literal

from pydantic import Field
from quart import current_app, websocket
from quart_schema import validate_request
from sqlalchemy import select, update

from ..auth.guard import signed_in_actor
from ..auth.permissions import authorize, requires
from ..db.types import utcnow
from ..errors import ApiError
from ..registry.public import server_for
from ..track import emit
from ..web.schemas import Input
from ..web.ws import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND
from .bridge import RemoteSession
from .clients import Client
from .events import ClientKicked, SessionJoined, ShareChanged
from .models import TerminalShare
from .routes import _refuse, bp, manager, serve
from .session import TerminalSession

MAX_SHARE_SECONDS = 7 * 24 * 3600
JOIN_TIMEOUT = 30.0


class ShareIn(Input):
    mode: Literal["ro", "rw"] = "ro"
    expires_in: int = Field(3600, ge=60, le=MAX_SHARE_SECONDS)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _owned(session_id: str) -> TerminalSession | RemoteSession:
    actor = signed_in_actor()
    terminal = await manager().get_any(session_id)
    if terminal is None or terminal.owner_id != actor.user_id:
        raise ApiError(404, "not_found", "no such terminal session of yours")
    return terminal


def _share_json(share: TerminalShare) -> dict[str, Any]:
    return {
        "id": share.id,
        "mode": share.mode,
        "created_at": share.created_at.isoformat(),
        "expires_at": share.expires_at.isoformat(),
        "revoked": share.revoked_at is not None,
    }


@bp.post("/terminal/sessions/<session_id>/shares")
@requires("terminal.share")
@validate_request(ShareIn)
async def create_share(session_id: str, data: ShareIn) -> tuple[dict[str, Any], int]:
    """Mint a link for this session; the token is in this answer only."""
    terminal = await _owned(session_id)
    actor = signed_in_actor()
    if terminal.server_id is None:  # nobody could join it (see join)
        raise ApiError(409, "not_shareable", "quick-connect shells cannot be shared")
    # authorize checks the owner may still use the server's group; plugins may veto.
    server = await server_for(actor, terminal.server_id, "terminal.share")
    plugins = current_app.extensions["sshgate"].plugins
    veto = await plugins.before_share(actor, server, data.mode, data.expires_in)
    if veto:
        await emit(
            ShareChanged(
                target=terminal.server_name,
                session_id=terminal.id[:12],
                change="refused",
                mode=data.mode,
                outcome="denied",
            )
        )
        raise ApiError(403, "share_refused", veto)
    token = secrets.token_urlsafe(32)
    share = TerminalShare(
        id=secrets.token_hex(8),
        session_id=terminal.id,
        token_hash=_hash(token),
        mode=data.mode,
        created_by=signed_in_actor().user_id,
        expires_at=utcnow() + timedelta(seconds=data.expires_in),
    )
    async with current_app.extensions["sshgate"].db.session() as session:
        session.add(share)
    await emit(
        ShareChanged(
            target=terminal.server_name,
            session_id=terminal.id[:12],
            change="created",
            mode=data.mode,
        )
    )
    return {**_share_json(share), "token": token}, 201


@bp.get("/terminal/sessions/<session_id>/shares")
@requires("terminal.share")
async def list_shares(session_id: str) -> dict[str, Any]:
    terminal = await _owned(session_id)
    async with current_app.extensions["sshgate"].db.session() as session:
        rows = await session.scalars(
            select(TerminalShare).where(TerminalShare.session_id == terminal.id)
        )
        shares = [_share_json(s) for s in rows]
    clients = await manager().clients_of(terminal)
    return {"shares": shares, "clients": clients}


@bp.delete("/terminal/sessions/<session_id>/shares/<share_id>")
@requires("terminal.share")
async def revoke_share(session_id: str, share_id: str) -> dict[str, Any]:
    """Revoke a link: nobody can join with it, and whoever did is dropped."""
    terminal = await _owned(session_id)
    async with current_app.extensions["sshgate"].db.session() as session:
        result = await session.execute(
            update(TerminalShare)
            .where(
                TerminalShare.id == share_id,
                TerminalShare.session_id == terminal.id,
                TerminalShare.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
        )
    if not result.rowcount:
        raise ApiError(404, "not_found", f"no active share {share_id}")
    if isinstance(terminal, RemoteSession):
        await terminal.command("revoke", share=share_id)  # the owner drops its joiners
    else:
        await manager().revoke_share_local(terminal.id, share_id)
    await emit(
        ShareChanged(target=terminal.server_name, session_id=terminal.id[:12], change="revoked")
    )
    return {"revoked": True}


@bp.delete("/terminal/sessions/<session_id>/clients/<client_id>")
@requires("terminal.share")
async def kick(session_id: str, client_id: str) -> dict[str, Any]:
    """Drop a joiner, on whichever worker it is attached (ids come from the shares list)."""
    terminal = await _owned(session_id)
    clients = await manager().clients_of(terminal)
    entry = next((c for c in clients if str(c["id"]) == client_id), None)
    if entry is None or entry["mode"] == "owner":
        raise ApiError(404, "not_found", f"no joiner {client_id} on this session")
    bus = manager().bus
    worker, _, local_id = client_id.rpartition(":")
    if bus is not None and worker != bus.worker_id:
        await bus.send(worker, {"kind": "kick", "session": terminal.id, "client": int(local_id)})
    else:
        manager().kick_local(terminal.id, int(local_id))
    await emit(
        ClientKicked(
            target=terminal.server_name, session_id=terminal.id[:12], kicked=entry["username"]
        )
    )
    return {"kicked": True}


@bp.websocket("/ws/terminal/join")
@requires("terminal.join")
async def join() -> None:
    """Join with a share token, sent as the first message: ``{"type": "join", "token"}``."""
    actor = signed_in_actor()
    await websocket.accept()
    try:
        raw = await asyncio.wait_for(websocket.receive(), JOIN_TIMEOUT)
        token = json.loads(raw).get("token") if isinstance(raw, str) else None
    except (TimeoutError, ValueError, AttributeError):
        token = None
    if not isinstance(token, str) or not token:
        return await _refuse(CLOSE_FORBIDDEN, "bad_request", 'send {"type": "join", "token"}')
    async with current_app.extensions["sshgate"].db.session() as session:
        share = await session.scalar(
            select(TerminalShare).where(TerminalShare.token_hash == _hash(token))
        )
    if share is None or share.revoked_at or share.expires_at <= utcnow():
        return await _refuse(CLOSE_FORBIDDEN, "invalid_share", "this share link is not valid")
    terminal = await manager().get_any(share.session_id)
    if terminal is None:
        return await _refuse(CLOSE_NOT_FOUND, "not_found", "the shared session has ended")
    if terminal.server_id is None:
        return await _refuse(CLOSE_FORBIDDEN, "not_shareable", "quick-connect shells are private")
    try:
        await server_for(actor, terminal.server_id, "terminal.join")
    except ApiError as exc:
        return await _refuse(CLOSE_FORBIDDEN, exc.code, "you may not see this server")
    read_only = share.mode == "ro"
    client = Client(
        actor.username,
        read_only=read_only,
        steers_flow=False,
        share_id=share.id,
        user_id=actor.user_id,
    )
    await emit(
        SessionJoined(
            target=terminal.server_name,
            session_id=terminal.id[:12],
            how=f"share_{share.mode}",
            owner=terminal.owner,
        )
    )
    await serve(terminal, client)


@bp.websocket("/ws/terminal/watch/<session_id>")
@requires("admin.terminal.watch")
async def watch(session_id: str) -> None:
    """An administrator watches any live session, read-only."""
    actor = signed_in_actor()
    await websocket.accept()
    terminal = await manager().get_any(session_id)
    if terminal is None:
        return await _refuse(CLOSE_NOT_FOUND, "not_found", "no such terminal session")
    await authorize(actor, "admin.terminal.watch", None)
    await emit(
        SessionJoined(
            target=terminal.server_name,
            session_id=terminal.id[:12],
            how="admin_watch",
            owner=terminal.owner,
        )
    )
    await serve(
        terminal, Client(actor.username, read_only=True, steers_flow=False, user_id=actor.user_id)
    )
