"""Sign-in providers (LDAP, OIDC, ...): turning an :class:`Identity` into a local account.

One rule protects every account: a provider only ever signs in accounts of its own source.
A directory entry named ``admin`` never becomes the local ``admin``; the attempt is refused
and audited. Accounts a provider creates have no local password; their groups and role are
refreshed from the provider at every sign-in, and an administrator can still disable them.
"""

from __future__ import annotations

from typing import Any

from quart import Response, redirect, request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..contract import Identity
from ..errors import ApiError
from ..gate import current_gate
from ..track import emit
from ..web.clientip import client_ip
from . import throttle
from .events import LoginFailed, LoginSucceeded
from .models import User
from .sessions import start_session

INVALID_LOGIN = "invalid username or password"
USERNAME_MAX = 64


class AccountConflict(ApiError):
    def __init__(self, identity: Identity, source: str) -> None:
        super().__init__(
            409,
            "account_conflict",
            f"the {identity.provider} account {identity.username!r} matches an existing "
            f"{source} account; an administrator must rename one of them",
        )
        self.source = source


async def find_user(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(
        select(User).where(func.lower(User.username) == username.casefold())
    )


async def upsert_provider_user(session: AsyncSession, identity: Identity) -> User:
    """The account ``identity`` vouches for, created or refreshed; never another source's."""
    username = identity.username.strip()
    if not username or len(username) > USERNAME_MAX or not identity.provider:
        raise ApiError(401, "invalid_credentials", INVALID_LOGIN)
    user = await find_user(session, username)
    if user is not None and user.source != identity.provider:
        raise AccountConflict(identity, user.source)
    if user is None:
        user = User(
            username=username,
            password_hash=None,
            source=identity.provider,
            allowed_groups=[],
            permissions=[],
        )
        session.add(user)
    user.role = "admin" if identity.is_admin else "user"
    user.allowed_groups = sorted(set(identity.groups))
    user.must_change_password = False  # the provider owns the password
    await session.flush()
    return user


async def sign_in(
    identity: Identity, *, client: str = "browser", redirect_to: str | None = None
) -> Response:
    """Finish a provider's sign-in inside a request: create or refresh the account, start a
    session (cookies for browsers, a bearer token for ``client="api"``) and audit it.

    Redirect-style providers (OIDC) call it from their callback route with
    ``redirect_to="../../"`` or similar to send the browser back to the page; the session
    cookies ride on that redirect. Lockout and disabled accounts are honoured; a name taken by
    an account of another source answers 409 ``account_conflict``.
    """
    gate = current_gate()
    ip = client_ip(request, gate.settings.trusted_proxies)
    user_key = throttle.user_key("login", identity.username)
    try:
        async with gate.db.session() as session:
            await throttle.check(session, [user_key])
            user = await upsert_provider_user(session, identity)
            if user.disabled:
                raise ApiError(403, "account_disabled", "this account is disabled")
            response = await start_session(session, gate.settings, user, client, ip)
    except ApiError as exc:
        await emit(
            LoginFailed(
                actor=identity.username[:USERNAME_MAX],
                source_ip=ip,
                target="login",
                reason=exc.code,
                provider=identity.provider,
            )
        )
        raise
    await emit(
        LoginSucceeded(
            actor=user.username, source_ip=ip, method=identity.provider, provider=identity.provider
        )
    )
    if redirect_to is None:
        return response
    target: Any = redirect(redirect_to, 303)
    for cookie in response.headers.getlist("Set-Cookie"):
        target.headers.add("Set-Cookie", cookie)
    return target
