"""The demo's reset: what a visitor may have changed, put back.

Writes are blocked, so little can change: the demo account (a lockout from failed sign-ins),
share links, open terminals, and the files in the built-in sandbox's scratch home (written
through its shell). A reset restores the account, revokes every share link, ends this
worker's terminals and empties the scratch home. Audit entries stay: the log is append-only.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import ClassVar

from quart import Quart
from sqlalchemy import select, update

from ..auth import throttle
from ..auth.models import ApiKey, User
from ..auth.passwords import hash_password, verify_password
from ..db.types import utcnow
from ..events import Event
from ..sandbox.plugin import sandbox_of
from ..sandbox.policy import SANDBOX_GROUP
from ..terminal.endings import Ending
from ..terminal.models import TerminalShare
from ..track import emit
from .policy import DEMO_PASSWORD, DEMO_USER

log = logging.getLogger("sshgate")


@dataclasses.dataclass(kw_only=True)
class DemoReset(Event):
    name: ClassVar[str] = "demo.reset"
    shares_revoked: int = 0
    terminals_ended: int = 0
    sandbox_emptied: bool = False


async def restore_demo_user(app: Quart) -> None:
    """Create or restore ``demo``/``demo``: a plain user of the sandbox group, enabled, no
    2FA, no forced password change, no lockout, no API keys."""
    gate = app.extensions["sshgate"]
    rounds = gate.settings.password_hash_rounds
    async with gate.db.session() as session:
        user = await session.scalar(select(User).where(User.username == DEMO_USER))
        if user is None:
            user = User(username=DEMO_USER, password_changed_at=utcnow())
            session.add(user)
        if not await verify_password(DEMO_PASSWORD, user.password_hash, rounds):
            user.password_hash = await hash_password(DEMO_PASSWORD, rounds)
        user.role = "user"
        user.source = "local"
        user.allowed_groups = [SANDBOX_GROUP]
        user.permissions = []
        user.disabled = False
        user.must_change_password = False
        user.totp_secret = None
        user.totp_enabled = False
        await session.flush()
        await session.execute(
            update(ApiKey)
            .where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        await throttle.clear(session, throttle.user_key("login", DEMO_USER))


async def reset(app: Quart) -> DemoReset:
    """One reset, as the scheduled task runs it."""
    gate = app.extensions["sshgate"]
    await restore_demo_user(app)
    async with gate.db.session() as session:
        revoked = await session.execute(
            update(TerminalShare)
            .where(TerminalShare.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    manager = app.extensions.get("sshgate.terminal")
    sessions = list(manager.sessions.values()) if manager is not None else []
    for terminal in sessions:
        terminal.end("the demo was reset", Ending.NORMAL)
    sandbox = sandbox_of(app)
    if sandbox is not None:
        await sandbox.reset()
    event = DemoReset(
        actor="sshgate",
        shares_revoked=revoked.rowcount or 0,
        terminals_ended=len(sessions),
        sandbox_emptied=sandbox is not None,
    )
    await emit(event, app)
    log.info(
        "demo reset: %s share links revoked, %s terminals ended%s",
        event.shares_revoked,
        event.terminals_ended,
        ", sandbox emptied" if sandbox is not None else "",
    )
    return event
