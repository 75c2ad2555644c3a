"""Login sessions: create, answer with a cookie or a token, revoke."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from quart import Response, jsonify, request
from sqlalchemy import select, update

from ..db.types import utcnow
from .actor import CSRF_COOKIE, SESSION_COOKIE
from .guard import auth_state
from .models import LoginSession, User
from .tokens import SESSION, new_session_id


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "allowed_groups": list(user.allowed_groups or []),
        "permissions": list(user.permissions or []),
        "source": user.source,
        "disabled": user.disabled,
        "must_change_password": user.must_change_password,
        "totp_enabled": user.totp_enabled,
        "created_at": user.created_at.isoformat(),
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
    }


def session_json(login: LoginSession, current: str | None = None) -> dict[str, Any]:
    return {
        # The id is a bearer secret's key; clients see a stable, non-secret handle.
        "id": login.id[:12],
        "kind": login.kind,
        "created_at": login.created_at.isoformat(),
        "last_seen_at": login.last_seen_at.isoformat(),
        "expires_at": login.expires_at.isoformat(),
        "source_ip": login.source_ip,
        "user_agent": login.user_agent,
        "current": login.id == current,
    }


async def start_session(
    db_session: Any, settings: Any, user: User, client: str, source_ip: str
) -> Response:
    """Create a session for ``user``; browsers get cookies, API clients a bearer token."""
    now = utcnow()
    login = LoginSession(
        id=new_session_id(),
        user_id=user.id,
        kind=client,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=settings.session_lifetime),
        source_ip=source_ip,
        user_agent=(request.headers.get("User-Agent") or "")[:255] or None,
    )
    db_session.add(login)
    user.last_login_at = now
    keys = auth_state().keys
    token = keys.issue(SESSION, user.id, settings.session_lifetime, sid=login.id)
    body: dict[str, Any] = {"user": user_json(user), "expires_at": login.expires_at.isoformat()}
    if client == "api":
        body.update(token=token, token_type="Bearer")  # noqa: S106 (a scheme name)
        return jsonify(body)
    csrf = keys.csrf_token(login.id)
    body["csrf_token"] = csrf
    response = jsonify(body)
    set_session_cookies(response, settings, token, csrf, login.expires_at)
    return response


def _cookie_options(settings: Any, expires: datetime | None) -> dict[str, Any]:
    secure = settings.cookie_secure
    if secure is None:
        secure = request.scheme == "https" or request.headers.get("X-Forwarded-Proto") == "https"
    return {
        "path": (settings.root_path or "") + "/",
        "secure": secure,
        "samesite": "Strict",
        "expires": expires,
    }


def set_session_cookies(
    response: Response, settings: Any, token: str, csrf: str, expires: datetime
) -> None:
    options = _cookie_options(settings, expires)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, **options)
    # Readable by the page, which echoes it in X-CSRF-Token (double submit).
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, **options)


def clear_session_cookies(response: Response, settings: Any) -> None:
    options = _cookie_options(settings, None)
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(
            name, path=options["path"], samesite="Strict", secure=options["secure"]
        )


async def revoke_sessions(
    db_session: Any, *, user_id: int, session_id: str | None = None, except_id: str | None = None
) -> list[str]:
    """Revoke one session (by id or handle) or all of a user's; returns the ids revoked."""
    query = select(LoginSession.id).where(
        LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None)
    )
    if session_id is not None:
        query = query.where(LoginSession.id.startswith(session_id, autoescape=True))
    ids = [sid for sid in (await db_session.scalars(query)).all() if sid != except_id]
    if session_id is not None and len(ids) > 1:
        ids = [sid for sid in ids if sid == session_id]
    if ids:
        await db_session.execute(
            update(LoginSession).where(LoginSession.id.in_(ids)).values(revoked_at=utcnow())
        )
    return ids


def close_live(ids: list[str], reason: str) -> None:
    live = auth_state().live
    for sid in ids:
        live.end_session(sid, reason)
