"""Which person at the provider an account belongs to: the ID token's ``sub``, bound at the
account's first sign-in.

Usernames come from a claim (``preferred_username``, ``email``) that many providers let
change hands: a name freed at the provider and given to someone else, or one a user may
edit. ``sub`` is the provider's stable, never reassigned identifier, so a token whose
``sub`` is not the bound one is refused, even when its username matches. Bindings are per
issuer (moving to another provider binds afresh) and are dropped when an administrator
deletes the account, so that the name can be given to someone new.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, delete
from sqlalchemy.orm import Mapped, mapped_column

from sshgate.api import Model, UTCDateTime, db_session, utcnow

from .failures import Refused


class OidcSubject(Model):
    __tablename__ = "oidc_subjects"

    issuer: Mapped[str] = mapped_column(String(255), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    subject: Mapped[str] = mapped_column(String(255))
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime())


async def check(issuer: str, username: str, subject: str) -> bool:
    """Whether ``username`` is bound already; raises :class:`Refused` when it is bound to
    another ``sub``."""
    async with db_session() as session:
        bound = await session.get(OidcSubject, (issuer, username))
    if bound is None:
        return False
    if bound.subject != subject:
        raise Refused(
            "subject_mismatch",
            f"the account {username!r} belongs to another person at the identity provider; "
            "ask an administrator",
            status=403,
            username=username,
        )
    return True


async def bind(issuer: str, username: str, subject: str) -> None:
    async with db_session() as session:
        if await session.get(OidcSubject, (issuer, username)) is None:
            session.add(
                OidcSubject(issuer=issuer, username=username, subject=subject, bound_at=utcnow())
            )


async def forget(username: str) -> None:
    async with db_session() as session:
        await session.execute(delete(OidcSubject).where(OidcSubject.username == username))
