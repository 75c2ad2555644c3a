"""Who is calling: resolve a request's cookie, bearer token or API key to an :class:`Actor`."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from quart import Request, Websocket
from sqlalchemy import select

from ..db.types import utcnow
from ..errors import ApiError
from ..sandbox.policy import sandbox_groups
from .models import ApiKey, LoginSession, User
from .tokens import API_KEY_PREFIX, SESSION, TokenKeys, hash_api_key

SESSION_COOKIE = "sshgate_session"
CSRF_COOKIE = "sshgate_csrf"
CSRF_HEADER = "X-CSRF-Token"
# Writing "last seen" on every request would turn reads into writes; once a minute is enough.
TOUCH_INTERVAL = timedelta(seconds=60)


@dataclasses.dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    role: str
    allowed_groups: tuple[str, ...]
    permissions: tuple[str, ...]
    must_change_password: bool
    via: str  # "cookie", "bearer" or "api_key"
    session_id: str | None = None
    api_key_id: int | None = None
    read_only: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.user_id,
            "username": self.username,
            "role": self.role,
            "allowed_groups": list(self.allowed_groups),
            "permissions": list(self.permissions),
            "must_change_password": self.must_change_password,
            "read_only": self.read_only,
        }


def _actor(user: User, via: str, settings: Any, **extra: Any) -> Actor:
    # Groups every user holds on top of their own (the sandbox's, while it runs).
    granted = tuple(g for g in sandbox_groups(settings) if g not in (user.allowed_groups or ()))
    return Actor(
        user_id=user.id,
        username=user.username,
        role=user.role,
        allowed_groups=tuple(user.allowed_groups or ()) + granted,
        permissions=tuple(user.permissions or ()),
        must_change_password=user.must_change_password,
        via=via,
        **extra,
    )


def unauthorized(message: str = "authentication required") -> ApiError:
    return ApiError(401, "unauthorized", message)


def presented_credentials(request: Request | Websocket) -> tuple[str, str] | None:
    """("bearer", token) from the Authorization header, else ("cookie", token), else None."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized("Authorization header must be 'Bearer <token>'")
        return "bearer", token.strip()
    cookie = request.cookies.get(SESSION_COOKIE)
    return ("cookie", cookie) if cookie else None


def login_usable(login: Any, user_disabled: bool, now: datetime, idle_timeout: int) -> bool:
    """Whether a login session (a row with revoked_at, expires_at, last_seen_at) still holds:
    the one rule for requests here and for open WebSockets in auth.sweep."""
    idle_limit = login.last_seen_at + timedelta(seconds=idle_timeout)
    return not (login.revoked_at or login.expires_at <= now or idle_limit <= now or user_disabled)


def key_usable(api_key: Any, now: datetime) -> bool:
    """Whether an API key (a row with revoked_at, expires_at) is neither revoked nor expired."""
    return not (api_key.revoked_at or (api_key.expires_at and api_key.expires_at <= now))


async def resolve_actor(db: Any, keys: TokenKeys, settings: Any, kind: str, token: str) -> Actor:
    """Check a presented credential against the database; raise 401 when it is not valid."""
    if kind == "bearer" and token.startswith(API_KEY_PREFIX):
        return await _from_api_key(db, token, settings)
    claims = keys.read(token, SESSION)
    if claims is None or "sid" not in claims:
        raise unauthorized("invalid or expired session; log in again")
    now = utcnow()
    async with db.session() as session:
        row = (
            await session.execute(
                select(LoginSession, User)
                .join(User, User.id == LoginSession.user_id)
                .where(LoginSession.id == claims["sid"])
            )
        ).first()
        if row is None:
            raise unauthorized("invalid or expired session; log in again")
        login, user = row
        if not login_usable(login, user.disabled, now, settings.session_idle_timeout):
            raise unauthorized("session ended; log in again")
        if now - login.last_seen_at > TOUCH_INTERVAL:
            login.last_seen_at = now
        return _actor(user, kind, settings, session_id=login.id)


async def _from_api_key(db: Any, key: str, settings: Any) -> Actor:
    now = utcnow()
    async with db.session() as session:
        row = (
            await session.execute(
                select(ApiKey, User)
                .join(User, User.id == ApiKey.user_id)
                .where(ApiKey.key_hash == hash_api_key(key))
            )
        ).first()
        if row is None:
            raise unauthorized("invalid API key")
        api_key, user = row
        if not key_usable(api_key, now):
            raise unauthorized("API key revoked or expired")
        if user.disabled:
            raise unauthorized("API key owner is disabled")
        if api_key.last_used_at is None or now - api_key.last_used_at > TOUCH_INTERVAL:
            api_key.last_used_at = now
        return _actor(user, "api_key", settings, api_key_id=api_key.id, read_only=api_key.read_only)
