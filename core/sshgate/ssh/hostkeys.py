"""Host-key trust (REG-4): the pinned key per server, the different key it last offered.

Every write is a single conditional statement or an insert guarded by the primary key, so
two workers connecting to a new server at once cannot pin two different keys: the first
commit wins and the other reads the winner's pin back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

import asyncssh
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..db import Database
from ..db.types import utcnow
from ..registry.models import HostKey

log = logging.getLogger(__name__)

# Plain public-key algorithms only: we pin keys, not certificates, and a server with a host
# certificate still offers its plain key. Modern algorithms first, as OpenSSH orders them.
_PREFERRED_HOST_KEY_ALGS = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512",
    "rsa-sha2-256",
)


def _default_host_key_algs() -> list[str]:
    from asyncssh.public_key import get_default_public_key_algs, get_public_key_algs

    known = [a.decode() for a in get_public_key_algs()]
    defaults = [a.decode() for a in get_default_public_key_algs()]
    # Security-key and webauthn algorithms exist for user keys; no server has such a host key.
    defaults = [a for a in defaults if not a.startswith(("sk-", "webauthn-"))]
    ordered = [a for a in _PREFERRED_HOST_KEY_ALGS if a in known]
    return ordered + [a for a in defaults if a not in ordered]


DEFAULT_HOST_KEY_ALGS = _default_host_key_algs()


def host_key_algs(pinned: asyncssh.SSHKey | None) -> list[str]:
    """The pinned key's algorithms first, so a server with several host keys presents the
    one we know (as OpenSSH does); the rest stay allowed so that a server which dropped that
    key type is reported as a changed key rather than as a negotiation failure."""
    if pinned is None:
        return list(DEFAULT_HOST_KEY_ALGS)
    first = [a.decode() for a in pinned.sig_algorithms if a.decode() in DEFAULT_HOST_KEY_ALGS]
    return first + [a for a in DEFAULT_HOST_KEY_ALGS if a not in first]


def key_line(key: asyncssh.SSHKey) -> str:
    """The OpenSSH one-line form, ``ssh-ed25519 AAAA...``."""
    return key.export_public_key("openssh").decode().strip()


def fingerprint(key: asyncssh.SSHKey) -> str:
    return key.get_fingerprint("sha256")


def same_key(a: asyncssh.SSHKey, b: asyncssh.SSHKey) -> bool:
    return a.public_data == b.public_data


def _no_trusted_keys(_host: str, _addr: str, _port: int | None) -> tuple[list[Any], ...]:
    # A callable, because an empty known_hosts value makes asyncssh fall back to
    # ~/.ssh/known_hosts. Trusting nothing sends every key to HostKeyCheck below.
    return [], [], []


KNOWN_HOSTS = _no_trusted_keys


@dataclasses.dataclass(frozen=True)
class Pin:
    """A pinned key; ``key`` is None when the stored line cannot be read, which matches
    nothing: the connection is refused as a changed key until an administrator approves."""

    key: asyncssh.SSHKey | None
    fingerprint: str

    def matches(self, key: asyncssh.SSHKey) -> bool:
        return self.key is not None and same_key(self.key, key)


class HostKeyCheck(asyncssh.SSHClient):
    """Accepts exactly the pinned key and remembers the key the server offered.

    asyncssh validates the server's host key inside the key exchange, before the user
    authentication service is even requested; a False here aborts the connection there. So
    credentials are only ever sent to a server whose key equals a pin already committed to
    the database.
    """

    def __init__(self, pin: Pin | None) -> None:
        self.pin = pin
        self.offered: asyncssh.SSHKey | None = None
        self.tcp_connected = False
        # Set once the key exchange reached the host key: the "connect" phase is over.
        self.key_seen: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, conn: asyncssh.SSHClientConnection) -> None:
        self.tcp_connected = True

    def validate_host_public_key(
        self, host: str, addr: str, port: int, key: asyncssh.SSHKey
    ) -> bool:
        self.offered = key
        if not self.key_seen.done():
            self.key_seen.set_result(None)
        return self.pin is not None and self.pin.matches(key)


async def pinned_key(db: Database, server_id: int) -> Pin | None:
    async with db.session() as session:
        row = (
            await session.execute(
                select(HostKey.pinned_key, HostKey.pinned_fingerprint).where(
                    HostKey.server_id == server_id
                )
            )
        ).first()
    if row is None or not row.pinned_key:
        return None
    try:
        key: asyncssh.SSHKey | None = asyncssh.import_public_key(row.pinned_key)
    except (asyncssh.KeyImportError, ValueError):
        log.error("pinned host key of server #%s is unreadable", server_id)
        key = None
    return Pin(key, row.pinned_fingerprint or "unreadable")


async def _write(
    db: Database, server_id: int, values: dict[str, Any], *, only_unpinned: bool
) -> bool:
    """Update the row (when unpinned, if asked) or insert it; True if this call wrote."""
    where = [HostKey.server_id == server_id]
    if only_unpinned:
        where.append(HostKey.pinned_key.is_(None))
    for _ in range(2):  # a concurrent insert makes ours fail: then the update applies
        try:
            async with db.session() as session:
                result = await session.execute(
                    update(HostKey).where(*where).values(**values),
                    execution_options={"synchronize_session": False},
                )
                if result.rowcount:  # type: ignore[attr-defined]
                    return True
                exists = await session.scalar(
                    select(HostKey.server_id).where(HostKey.server_id == server_id)
                )
                if exists is not None:
                    return False  # pinned meanwhile (only_unpinned)
                session.add(HostKey(server_id=server_id, **values))
                await session.flush()
                return True
        except IntegrityError:
            continue
    return False


async def pin_first_use(
    db: Database, server_id: int, key: asyncssh.SSHKey, pinned_by: str
) -> tuple[Pin | None, bool]:
    """Pin ``key`` unless something is pinned already; (the pin in force, whether ours)."""
    values = {
        "pinned_key": key_line(key),
        "pinned_fingerprint": fingerprint(key),
        "pinned_at": utcnow(),
        "pinned_by": pinned_by[:64],
        "offered_key": None,
        "offered_fingerprint": None,
        "offered_at": None,
    }
    won = await _write(db, server_id, values, only_unpinned=True)
    return await pinned_key(db, server_id), won


async def record_offered(db: Database, server_id: int, key: asyncssh.SSHKey) -> None:
    """Remember a key we refused, for an administrator to look at and approve."""
    values = {
        "offered_key": key_line(key),
        "offered_fingerprint": fingerprint(key),
        "offered_at": utcnow(),
    }
    await _write(db, server_id, values, only_unpinned=False)


async def approve(
    db: Database, server_id: int, offered_fingerprint: str, approved_by: str
) -> str | None:
    """Pin the offered key if it still is the one the administrator saw.

    Returns the previously pinned fingerprint ("" if none), or None when nothing with that
    fingerprint is on offer."""
    async with db.session() as session:
        row = await session.get(HostKey, server_id, with_for_update=True)
        if row is None or not row.offered_key or row.offered_fingerprint != offered_fingerprint:
            return None
        previous = row.pinned_fingerprint or ""
        row.pinned_key = row.offered_key
        row.pinned_fingerprint = row.offered_fingerprint
        row.pinned_at = utcnow()
        row.pinned_by = approved_by[:64]
        row.offered_key = row.offered_fingerprint = row.offered_at = None
    return previous


async def clear(db: Database, server_id: int) -> str | None:
    """Forget the pin; the next connection trusts on first use. Returns the old fingerprint."""
    async with db.session() as session:
        row = await session.get(HostKey, server_id, with_for_update=True)
        if row is None or not row.pinned_key:
            return None
        previous = row.pinned_fingerprint or ""
        row.pinned_key = row.pinned_fingerprint = row.pinned_at = row.pinned_by = None
    return previous


async def describe(db: Database, server_id: int) -> dict[str, Any]:
    """The host-key state of a server for the API."""
    async with db.session() as session:
        row = await session.get(HostKey, server_id)
    pinned = offered = None
    if row is not None and row.pinned_key:
        pinned = {
            "key": row.pinned_key,
            "fingerprint": row.pinned_fingerprint,
            "at": row.pinned_at.isoformat() if row.pinned_at else None,
            "by": row.pinned_by,
        }
    if row is not None and row.offered_key:
        offered = {
            "key": row.offered_key,
            "fingerprint": row.offered_fingerprint,
            "at": row.offered_at.isoformat() if row.offered_at else None,
        }
    return {"server_id": server_id, "pinned": pinned, "offered": offered}
