"""``WS api/ws/terminal/quick``: a shell on a host that is not in the registry (TERM-2).

Credentials travel in the first message, never in the URL. The host key is shown for
confirmation before any credential is sent (see sshgate.ssh.adhoc).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pydantic import ValidationError
from quart import current_app, websocket

from ..auth.guard import current_actor
from ..auth.permissions import requires
from ..contract import SessionRefused
from ..registry.schemas import Host, Port, Secret, Username
from ..ssh.adhoc import AdhocTarget, UnconfirmedHostKey, open_adhoc
from ..ssh.diagnosis import ConnectFailed
from ..web.schemas import Input
from ..web.ws import CLOSE_FORBIDDEN, CLOSE_SESSION_LIMIT, CLOSE_SSH_FAILED
from .clients import Client
from .manager import SessionLimit
from .routes import _refuse, _size, bp, manager, serve

FIRST_MESSAGE_TIMEOUT = 60.0


class QuickConnectIn(Input):
    type: str
    host: Host
    port: Port = 22
    username: Username
    password: Secret | None = None
    private_key: Secret | None = None
    passphrase: Secret | None = None
    host_key_fingerprint: str | None = None


async def _message() -> dict[str, Any]:
    raw = await asyncio.wait_for(websocket.receive(), FIRST_MESSAGE_TIMEOUT)
    message = json.loads(raw) if isinstance(raw, str) else None
    if not isinstance(message, dict):
        raise ValueError("send a JSON object")
    return message


@bp.websocket("/ws/terminal/quick")
@requires("terminal.quick_connect")
async def quick_connect() -> None:
    actor = current_actor()
    assert actor is not None  # the guard signed the caller in (not a public route)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    await websocket.accept()
    try:
        data = QuickConnectIn.model_validate(await _message())
    except (ValueError, ValidationError, TimeoutError) as exc:
        return await _refuse(CLOSE_FORBIDDEN, "bad_request", f"invalid connect message: {exc}")
    target = AdhocTarget(
        data.host, data.port, data.username, data.password, data.private_key, data.passphrase
    )
    confirmed = data.host_key_fingerprint
    for _ in range(2):
        try:
            terminal = await manager().open(
                actor,
                _Named(target.name),
                lambda f=confirmed: open_adhoc(app, actor, target, f),
                *_size(),
                "xterm-256color",
            )
            break
        except UnconfirmedHostKey as offered:
            await websocket.send(
                json.dumps(
                    {
                        "type": "host_key",
                        "key_type": offered.key_type,
                        "fingerprint": offered.fingerprint,
                        "changed": confirmed is not None,
                    }
                )
            )
            if confirmed is not None:
                return await _refuse(
                    CLOSE_SSH_FAILED,
                    "host_key_changed",
                    "the host key differs from the one you confirmed",
                )
            try:
                reply = await _message()
            except (ValueError, TimeoutError):
                return await _refuse(CLOSE_FORBIDDEN, "bad_request", "expected accept_host_key")
            if reply.get("type") != "accept_host_key":
                return await _refuse(CLOSE_FORBIDDEN, "host_key_rejected", "host key not accepted")
            confirmed = str(reply.get("fingerprint", ""))
        except SessionLimit as exc:
            return await _refuse(CLOSE_SESSION_LIMIT, "session_limit", str(exc))
        except SessionRefused as exc:
            return await _refuse(CLOSE_FORBIDDEN, "session_refused", exc.reason)
        except ConnectFailed as exc:
            return await _refuse(
                CLOSE_SSH_FAILED,
                "ssh_failed",
                exc.diagnosis.message,
                diagnosis=exc.diagnosis.to_json(),
            )
    else:  # pragma: no cover - the loop always breaks or returns
        return None
    await serve(terminal, Client(actor.username, user_id=actor.user_id))


class _Named:
    """The bits of a server the session manager reads, for a host outside the registry."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.id = None
        self.encoding = "utf-8"
