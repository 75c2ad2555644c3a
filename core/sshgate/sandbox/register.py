"""Put the sandbox into the registry: the server "sandbox" with this start's port and
password, and its host key pinned, so the first connection asks nobody to trust anything."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from quart import Quart
from sqlalchemy import select

from ..db.types import utcnow
from ..errors import StartupError
from ..events import Event
from ..registry.credentials import credentials_box
from ..registry.models import HostKey, Server
from ..ssh.hostkeys import fingerprint, key_line
from ..track import emit
from .policy import SANDBOX_GROUP, SERVER_NAME
from .server import USERNAME, SandboxServer

PINNED_BY = "sshgate --sandbox"  # marks the row as the sandbox's own
DESCRIPTION = "Built-in sandbox: a throwaway shell and scratch home on the sshgate machine."


@dataclasses.dataclass(kw_only=True)
class SandboxRegistered(Event):
    name: ClassVar[str] = "sandbox.registered"
    change: str  # created, updated
    port: int = 0
    fingerprint: str = ""
    run_as: str = ""


async def _ours(session: Any, server_id: int) -> bool:
    pin = await session.get(HostKey, server_id)
    return pin is not None and pin.pinned_by == PINNED_BY


async def register(app: Quart, server: SandboxServer, sftp: bool) -> int:
    """Create or update the sandbox's row and pin; returns its id."""
    gate = app.extensions["sshgate"]
    box = credentials_box(app)
    key = server.host_key.convert_to_public()
    async with gate.db.session() as session:
        row = await session.scalar(select(Server).where(Server.name == SERVER_NAME))
        change = "updated" if row is not None else "created"
        if row is not None and not await _ours(session, row.id):
            # Taking over an administrator's server would point it at this machine and
            # show it to every user.
            raise StartupError(
                f"a server named {SERVER_NAME!r} exists that the sandbox did not register; "
                "rename it, or start without --sandbox"
            )
        if row is None:
            row = Server(name=SERVER_NAME)
            session.add(row)
        fields: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": server.port,
            "username": USERNAME,
            "auth_method": "password",
            "secret": box.encrypt(server.password),
            "key_passphrase": None,
            "group": SANDBOX_GROUP,
            "description": DESCRIPTION,
            "jump_via_id": None,
            "ssh_enabled": True,
            "sftp_enabled": sftp,
            "sftp_read_only": False,
            "sftp_allowed_paths": [],
            "credentials_changed_at": utcnow(),
        }
        for name, value in fields.items():
            setattr(row, name, value)
        await session.flush()
        server_id = row.id
        pin = await session.get(HostKey, server_id)
        if pin is None:
            pin = HostKey(server_id=server_id)
            session.add(pin)
        # sshgate made this key itself: pinning it is not trusting on first use.
        pin.pinned_key = key_line(key)
        pin.pinned_fingerprint = fingerprint(key)
        pin.pinned_at = utcnow()
        pin.pinned_by = PINNED_BY
        pin.offered_key = pin.offered_fingerprint = pin.offered_at = None
    await emit(
        SandboxRegistered(
            actor="sshgate",
            target=SERVER_NAME,
            change=change,
            port=server.port,
            fingerprint=fingerprint(key),
            run_as=server.run_as.name,
        ),
        app,
    )
    return server_id
