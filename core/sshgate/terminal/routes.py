"""Terminal WebSockets and the session list. The protocol is in docs/protocol.md."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from quart import Blueprint, current_app, websocket

from ..auth.guard import auth_state, signed_in_actor
from ..auth.permissions import authorize, requires
from ..contract import SessionRefused
from ..errors import ApiError
from ..registry.service import get_visible
from ..ssh.connector import open_connection
from ..ssh.diagnosis import ConnectFailed
from ..web.ws import (
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    CLOSE_SESSION_LIMIT,
    CLOSE_SSH_FAILED,
    close_code,
)
from .bridge import RemoteSession
from .clients import Client
from .endings import Ending
from .manager import SessionLimit, SessionManager
from .session import TerminalSession

bp = Blueprint("terminal", __name__, url_prefix="/api")
MAX_COLS, MAX_ROWS = 1000, 500


def manager() -> SessionManager:
    return current_app.extensions["sshgate.terminal"]


async def _refuse(code: int, error: str, message: str, **extra: Any) -> None:
    await websocket.send(json.dumps({"type": "error", "code": error, "message": message, **extra}))
    await websocket.close(code, message[:120])


def _size() -> tuple[int, int]:
    try:
        cols = int(websocket.args.get("cols", 80))
        rows = int(websocket.args.get("rows", 24))
    except ValueError:
        return 80, 24
    return max(1, min(cols, MAX_COLS)), max(1, min(rows, MAX_ROWS))


@bp.websocket("/ws/terminal/<int:server_id>")
@requires("terminal.open")
async def open_terminal(server_id: int) -> None:
    """Open a new shell on a registered server."""
    actor = signed_in_actor()
    await websocket.accept()
    # Opening happens in its own frame, so that the server's database row is not kept
    # alive for as long as the shell runs (idle sessions must stay small).
    terminal = await _open(actor, server_id)
    if terminal is not None:
        await serve(terminal, Client(actor.username, user_id=actor.user_id))


async def _open(actor: Any, server_id: int) -> TerminalSession | None:
    gate = current_app.extensions["sshgate"]
    async with gate.db.session() as session:
        try:
            server = await get_visible(session, actor, server_id)
        except ApiError:
            server = None
    if server is None:
        await _refuse(CLOSE_NOT_FOUND, "not_found", f"no server {server_id}")
        return None
    try:
        await authorize(actor, "terminal.open", server)
    except ApiError as exc:
        await _refuse(CLOSE_FORBIDDEN, exc.code, exc.message)
        return None
    if not server.ssh_enabled:
        await _refuse(CLOSE_FORBIDDEN, "ssh_disabled", f"SSH is disabled for {server.name}")
        return None
    cols, rows = _size()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        return await manager().open(
            actor,
            server,
            lambda: open_connection(app, server_id, actor, purpose="terminal"),
            cols,
            rows,
            websocket.args.get("term", "xterm-256color")[:40],
        )
    except SessionLimit as exc:
        await _refuse(CLOSE_SESSION_LIMIT, "session_limit", str(exc))
        return None
    except SessionRefused as exc:
        await _refuse(CLOSE_FORBIDDEN, "session_refused", exc.reason)
        return None
    except ConnectFailed as exc:
        diagnosis = exc.diagnosis.to_json()
        await _refuse(CLOSE_SSH_FAILED, "ssh_failed", exc.diagnosis.message, diagnosis=diagnosis)
        return None


@bp.websocket("/ws/terminal/attach/<session_id>")
@requires("terminal.attach")
async def attach_terminal(session_id: str) -> None:
    """Reattach to a running shell: the scrollback first, then live output."""
    actor = signed_in_actor()
    await websocket.accept()
    terminal = await manager().get_any(session_id)
    if terminal is None or terminal.owner_id != actor.user_id:
        return await _refuse(CLOSE_NOT_FOUND, "not_found", "no such terminal session (it ended?)")
    await serve(terminal, Client(actor.username, user_id=actor.user_id))


async def serve(terminal: TerminalSession | RemoteSession, client: Client) -> None:
    """Pump one client: output to frames, frames to input, until either side ends."""
    actor = signed_in_actor()
    scrollback = terminal.attach(client)
    manager().attached(terminal)
    roster = manager().roster
    with contextlib.suppress(Exception):  # the list of who is attached is informational
        await roster.add(terminal.id, terminal.owner_id, client)
        await _clients_changed(terminal, client, "joined")

    def signed_out(reason: str) -> None:
        # The owner's login ended: so does the shell it opened; a viewer is only dropped.
        if terminal.owner_id == actor.user_id:
            terminal.end(reason, Ending.SIGNED_OUT)
        client.close(Ending.SIGNED_OUT, reason)

    forget = auth_state().live.add(
        actor.session_id, actor.user_id, signed_out, api_key_id=actor.api_key_id
    )
    reader = asyncio.ensure_future(_read(terminal, client))
    try:
        await websocket.send(json.dumps({"type": "session", **_hello(terminal, client)}))
        if scrollback:
            await websocket.send(scrollback)
        await _write(terminal, client)
    finally:
        reader.cancel()
        forget()
        terminal.detach(client)
        manager().detached(terminal)
        with contextlib.suppress(Exception):
            await roster.remove(terminal.id, client)
            await _clients_changed(terminal, client, "left")


async def _clients_changed(
    terminal: TerminalSession | RemoteSession, client: Client, event: str
) -> None:
    """Tell the owner's views to re-read the list, and observers who joined or left."""
    mode = _mode(terminal, client)
    if isinstance(terminal, RemoteSession):  # the owner's worker does both
        await terminal.command("roster", event=event, user=client.username, mode=mode)
    else:
        terminal.clients_changed(client if event == "joined" else None)
        terminal.participant(event, client.username, mode)


def _mode(terminal: TerminalSession | RemoteSession, client: Client) -> str:
    if client.user_id == terminal.owner_id and client.share_id is None:
        return "owner"
    return "ro" if client.read_only else "rw"


def _hello(terminal: TerminalSession | RemoteSession, client: Client) -> dict[str, Any]:
    info = terminal.info()
    return {
        "id": terminal.id,
        "server_id": info["server_id"],
        "server": info["server"],
        "owner": terminal.owner,
        "cols": info["cols"],
        "rows": info["rows"],
        "encoding": terminal.encoding,
        "read_only": client.read_only,
    }


async def _write(terminal: TerminalSession | RemoteSession, client: Client) -> None:
    while True:
        # Ended logins are found by the worker's sweep (auth.sweep), which calls signed_out.
        await client.wait()
        data = client.take()
        if data:
            await websocket.send(data)
            terminal.drained(client)
            continue
        while client.controls:
            await websocket.send(json.dumps(client.controls.popleft()))
        if client.closed_reason is not None and not client.queued:
            ending, reason = client.closed_reason
            code = close_code(ending)
            # Said in a message too, right before the close frame: browsers may report a
            # close as 1006 and lose its code, and a joiner must know it was removed (4403)
            # rather than cut off (which it would answer by joining again).
            await websocket.send(json.dumps({"type": "closing", "code": code, "reason": reason}))
            await websocket.close(code, reason[:120])
            return


async def _read(terminal: TerminalSession | RemoteSession, client: Client) -> None:
    while True:
        message = await websocket.receive()
        if isinstance(message, bytes):
            if client.read_only:
                client.control({"type": "notice", "message": "this view is read-only"})
            else:
                await terminal.send_input(message, by=client.username)
            continue
        try:
            control = json.loads(message)
        except ValueError:
            client.control({"type": "error", "code": "bad_message", "message": "not JSON"})
            continue
        await _control(terminal, client, control)


async def _control(terminal: TerminalSession | RemoteSession, client: Client, control: Any) -> None:
    kind = control.get("type") if isinstance(control, dict) else None
    if kind == "resize" and not client.read_only:
        cols, rows = control.get("cols"), control.get("rows")
        if isinstance(cols, int) and isinstance(rows, int) and cols > 0 and rows > 0:
            terminal.resize(min(cols, MAX_COLS), min(rows, MAX_ROWS))
    elif kind == "ping":
        client.control({"type": "pong", "t": control.get("t")})
    elif kind == "input" and isinstance(control.get("data"), str) and not client.read_only:
        await terminal.send_input(control["data"].encode(), by=client.username)
    elif kind == "close" and not client.read_only:
        terminal.end("closed by the user")
    else:
        client.control({"type": "error", "code": "bad_message", "message": f"unknown {kind!r}"})


@bp.get("/terminal/sessions")
@requires("terminal.sessions.list")
async def list_sessions() -> dict[str, Any]:
    """Your running terminal sessions (all of them, for administrators)."""
    actor = signed_in_actor()
    worker = current_app.extensions["sshgate"].instance_id
    sessions = [{**s.info(), "worker": worker} for s in manager().sessions.values() if not s.ended]
    bus = manager().bus
    if bus is not None:
        local = {s["id"] for s in sessions}
        sessions += [s for s in await bus.all_sessions() if s["id"] not in local]
    mine = [s for s in sessions if actor.is_admin or s["owner"] == actor.username]
    return {"sessions": mine}


@bp.delete("/terminal/sessions/<session_id>")
@requires("terminal.sessions.close")
async def close_session(session_id: str) -> dict[str, Any]:
    actor = signed_in_actor()
    terminal = await manager().get_any(session_id)
    if terminal is None or not (actor.is_admin or terminal.owner_id == actor.user_id):
        raise ApiError(404, "not_found", "no such terminal session")
    terminal.end(f"closed by {actor.username}")
    return {"closed": True}
