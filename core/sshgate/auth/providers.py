"""Sign-in providers (LDAP, OIDC, ...): turning an :class:`Identity` into a local account.

One rule protects every account: a provider only ever signs in accounts of its own source.
A directory entry named ``admin`` never becomes the local ``admin``; the attempt is refused
and audited. Accounts a provider creates have no local password; their groups and role are
refreshed from the provider at every sign-in, and an administrator can still disable them.
"""

from __future__ import annotations

import re
from typing import Any

from quart import Response, redirect, request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
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
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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


async def upsert_provider_user(
    session: AsyncSession, identity: Identity, *, create: bool = True
) -> User:
    """The account ``identity`` vouches for, created (unless ``create`` is off) or refreshed;
    never another source's."""
    username = identity.username.strip()
    if not username or len(username) > USERNAME_MAX or not identity.provider:
        raise ApiError(401, "invalid_credentials", INVALID_LOGIN)
    user = await find_user(session, username)
    if user is not None and user.source != identity.provider:
        raise AccountConflict(identity, user.source)
    if user is None and not create:
        raise ApiError(
            403,
            "account_unknown",
            f"there is no {identity.provider} account {username!r} here and the provider "
            "does not create accounts; ask an administrator",
        )
    if user is None:
        user = await _create_provider_user(session, identity, username)
    user.role = "admin" if identity.is_admin else "user"
    user.allowed_groups = sorted(set(identity.groups))
    user.must_change_password = False  # the provider owns the password
    await session.flush()
    return user


async def _create_provider_user(session: AsyncSession, identity: Identity, username: str) -> User:
    """A new account of the provider's source; when a concurrent first sign-in of the same
    name (two tabs, a retried request) created it meanwhile, that one (never a 500)."""
    user = User(
        username=username,
        password_hash=None,
        source=identity.provider,
        allowed_groups=[],
        permissions=[],
    )
    try:
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError:
        existing = await find_user(session, username)
        if existing is None:
            raise
        if existing.source != identity.provider:
            raise AccountConflict(identity, existing.source) from None
        return existing
    return user


async def sign_in(
    identity: Identity,
    *,
    client: str = "browser",
    redirect_to: str | None = None,
    create: bool = True,
) -> Response:
    """Finish a provider's sign-in inside a request: create or refresh the account, start a
    session (cookies for browsers, a bearer token for ``client="api"``) and audit it.

    Redirect-style providers (OIDC) call it from their callback route with
    ``redirect_to="../../"`` or similar to send the browser back to the page; the session
    cookies ride on that redirect. Lockout (of the account or the address) and disabled
    accounts are honoured; a name taken by an account of another source answers 409
    ``account_conflict``; with ``create=False`` an unknown name answers 403 ``account_unknown``.
    """
    gate = current_gate()
    ip = client_ip(request, gate.settings.trusted_proxies)
    user_key = throttle.user_key("login", identity.username)
    try:
        async with gate.db.session() as session:
            await throttle.check(session, [user_key, throttle.ip_key("login", ip)])
            user = await upsert_provider_user(session, identity, create=create)
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


async def check_sign_in() -> None:
    """Raise 429 ``too_many_attempts`` when the caller's address is locked out of signing in
    (too many failed logins, password or provider). Redirect-style providers call it before
    they start a flow and before they redeem a callback."""
    gate = current_gate()
    ip = client_ip(request, gate.settings.trusted_proxies)
    async with gate.db.session() as session:
        await throttle.check(session, [throttle.ip_key("login", ip)])


async def fail_sign_in(provider: str, reason: str, *, username: str | None = None) -> None:
    """Count a failed provider sign-in against the caller's address (and ``username``'s
    account when the provider knows who it was) in the login throttle, and audit it as
    ``auth.login_failed`` with ``provider`` and ``reason``."""
    gate = current_gate()
    settings = gate.settings
    ip = client_ip(request, settings.trusted_proxies)
    keys = {throttle.ip_key("login", ip): settings.login_ip_max_failures}
    if username:
        keys[throttle.user_key("login", username)] = settings.login_max_failures
    async with gate.db.session() as session:
        for key, limit in keys.items():
            await throttle.fail(session, key, limit, settings.login_lockout_seconds)
    name = _CONTROL.sub("?", username or "")[:USERNAME_MAX]
    await emit(
        LoginFailed(
            actor=name or None, source_ip=ip, target="login", reason=reason[:64], provider=provider
        )
    )
