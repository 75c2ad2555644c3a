"""First run: with no users at all, create ``admin`` with a password that must be changed."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..db.types import utcnow
from .models import User
from .passwords import generate_password, hash_password

log = logging.getLogger("sshgate")


async def create_first_admin(db: Any, settings: Any) -> str | None:
    """Create the first administrator; returns its password, or None when users exist."""
    async with db.session() as session:
        if await session.scalar(select(func.count()).select_from(User)):
            return None
    given = settings.admin_password.get_secret_value() if settings.admin_password else None
    password = given or generate_password()
    password_hash = await hash_password(password, settings.password_hash_rounds)
    try:
        async with db.session() as session:
            session.add(
                User(
                    username="admin",
                    password_hash=password_hash,
                    role="admin",
                    must_change_password=True,
                    password_changed_at=utcnow(),
                )
            )
    except IntegrityError:
        return None  # another worker starting at the same moment created it first
    if given:
        log.warning(
            "first run: created user 'admin' with SSHGATE_ADMIN_PASSWORD; "
            "the first login must change it"
        )
    else:
        log.warning(
            "\n%s\nfirst run: log in as 'admin' with password %s\n"
            "(shown only this once; the first login must change it)\n%s",
            "=" * 60,
            password,
            "=" * 60,
        )
    return password
