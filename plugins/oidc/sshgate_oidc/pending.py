"""Sign-ins in flight: what the callback needs to finish one, kept on the server.

A row is keyed by the hash of ``state`` and bound to the browser that started the flow by the
hash of a random value in a short-lived cookie, so a callback URL pasted into another browser
(login CSRF, a victim lured into the attacker's account) goes nowhere. The callback deletes
the row before anything else: a ``state`` works once. The PKCE verifier is encrypted at rest.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from sshgate.api import Model, UTCDateTime, db_session, secret_box, utcnow

from .failures import Refused

BOX = "oidc.pending"
STALE = "this sign-in link is not valid (used already or unknown); start again"
OTHER_BROWSER = "this sign-in was started in another browser; start again here"


class OidcPending(Model):
    __tablename__ = "oidc_pending"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    browser_hash: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(128))
    verifier: Mapped[str] = mapped_column(Text)  # secret_box("oidc.pending") token
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


@dataclass(frozen=True)
class Flow:
    """One sign-in's secrets: ``state`` and ``browser`` go to the browser (URL, cookie),
    ``nonce`` into the ID token, ``verifier`` only ever to the token endpoint."""

    state: str
    browser: str
    nonce: str
    verifier: str


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def begin(lifetime: int) -> Flow:
    """A new flow, stored; expired ones are swept on the way."""
    flow = Flow(
        state=secrets.token_urlsafe(32),
        browser=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(64),  # 86 characters: within RFC 7636's 43..128
    )
    now = utcnow()
    async with db_session() as session:
        await session.execute(
            delete(OidcPending).where(OidcPending.created_at < now - timedelta(seconds=lifetime))
        )
        session.add(
            OidcPending(
                state_hash=digest(flow.state),
                browser_hash=digest(flow.browser),
                nonce=flow.nonce,
                verifier=secret_box(BOX).encrypt(flow.verifier),
                created_at=now,
            )
        )
    return flow


async def take(state: str, browser: str | None, lifetime: int) -> Flow:
    """The flow ``state`` names, consumed; raises :class:`Refused` when it is unknown, used,
    expired or was started in another browser (consumed all the same: a probed state is
    dead)."""
    if not state or len(state) > 200:
        raise Refused("bad_state", STALE)
    key = digest(state)
    problem: Refused | None = None
    # The row is deleted in a transaction of its own that commits whatever comes next.
    async with db_session() as session:
        row = await session.scalar(select(OidcPending).where(OidcPending.state_hash == key))
        if row is None:
            raise Refused("bad_state", STALE)
        result = await session.execute(delete(OidcPending).where(OidcPending.state_hash == key))
        if getattr(result, "rowcount", 0) != 1:
            raise Refused("bad_state", STALE)  # a concurrent callback took it first
        nonce, sealed = row.nonce, row.verifier
        if row.created_at <= utcnow() - timedelta(seconds=lifetime):
            problem = Refused("flow_expired", "the sign-in took too long; start again")
        elif browser is None or not secrets.compare_digest(row.browser_hash, digest(browser)):
            problem = Refused("wrong_browser", OTHER_BROWSER)
    if problem is not None:
        raise problem
    assert browser is not None
    return Flow(state=state, browser=browser, nonce=nonce, verifier=secret_box(BOX).decrypt(sealed))
