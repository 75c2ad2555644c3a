"""Signing in and out: password, second factor, password change, own sessions."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field
from quart import Blueprint, Response, current_app, jsonify, request
from quart_schema import tag, validate_request
from sqlalchemy import select

from ..contract import ProviderUnavailable
from ..db.types import utcnow
from ..errors import ApiError
from ..gate import current_gate
from ..track import emit
from ..web.clientip import client_ip
from ..web.schemas import Input, Text
from . import throttle, totp
from .account import decrypt_totp_secret
from .events import LoggedOut, LoginFailed, LoginSucceeded, PasswordChanged, SessionRevoked
from .guard import auth_state, current_actor
from .models import LoginSession, User
from .passwords import PolicyError, check_policy, hash_password, verify_password
from .permissions import public, requires
from .providers import AccountConflict, find_user, upsert_provider_user
from .sessions import (
    clear_session_cookies,
    close_live,
    revoke_sessions,
    session_json,
    start_session,
    user_json,
)
from .tokens import PRE_2FA, PRE_2FA_LIFETIME

bp = Blueprint("auth", __name__, url_prefix="/api/auth")

INVALID_LOGIN = "invalid username or password"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class LoginIn(Input):
    username: Text = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)
    client: Literal["browser", "api"] = "browser"


class SecondFactorIn(Input):
    pre_auth_token: str = Field(min_length=1, max_length=2048)
    code: str = Field(min_length=6, max_length=10)
    client: Literal["browser", "api"] = "browser"


class PasswordIn(Input):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


def source_ip() -> str:
    return client_ip(request, current_gate().settings.trusted_proxies)


def sanitise_username(name: str) -> str:
    """Attacker-chosen text goes into the audit log: no control characters, bounded."""
    return _CONTROL.sub("?", name)[:64]


async def _fail_login(username: str, reason: str, *keys: str, provider: str = "local") -> ApiError:
    settings = current_gate().settings
    async with current_gate().db.session() as session:
        for key in keys:
            limit = settings.login_ip_max_failures if ":ip:" in key else settings.login_max_failures
            await throttle.fail(session, key, limit, settings.login_lockout_seconds)
    await emit(
        LoginFailed(
            actor=sanitise_username(username),
            source_ip=source_ip(),
            target="login",
            reason=reason,
            provider=provider,
        )
    )
    return ApiError(401, "invalid_credentials", INVALID_LOGIN)


@bp.post("/login")
@public
@tag(["auth"])
@validate_request(LoginIn)
async def login(data: LoginIn) -> Response:
    """Sign in with a password. With 2FA on, answers a short-lived pre-auth token instead.

    A local account is checked here and only here; any other name goes to the sign-in
    providers (``authenticate`` hook), which can never take over a local account."""
    gate = current_gate()
    settings, db, ip = gate.settings, gate.db, source_ip()
    user_key = throttle.user_key("login", data.username)
    ip_key = throttle.ip_key("login", ip)
    async with db.session() as session:
        await throttle.check(session, [user_key, ip_key])
        user = await find_user(session, data.username)
    method = "password"
    if (user is None or user.source != "local") and gate.plugins.hook.authenticate.get_hookimpls():
        user, method = await _provider_login(data, user_key, ip_key)
    else:
        local_hash = user.password_hash if user is not None and user.source == "local" else None
        # Unknown users cost one bcrypt check too, so timing does not tell who exists.
        ok = await verify_password(data.password, local_hash, settings.password_hash_rounds)
        if not ok or user is None or user.disabled:
            reason = "disabled" if ok and user is not None else "bad_credentials"
            raise await _fail_login(data.username, reason, user_key, ip_key)
    async with db.session() as session:
        await throttle.clear(session, user_key)
    if user.totp_enabled:
        token = auth_state().keys.issue(PRE_2FA, user.id, PRE_2FA_LIFETIME)
        return jsonify({"two_factor_required": True, "pre_auth_token": token})
    return await _complete_login(user.id, data.client, method)


async def _provider_login(data: LoginIn, user_key: str, ip_key: str) -> tuple[User, str]:
    """Ask the sign-in providers; the account they vouch for, or a failed login."""
    try:
        identity = await current_gate().plugins.authenticate(
            data.username,
            data.password,
            current_app._get_current_object(),  # type: ignore[attr-defined]
        )
    except ProviderUnavailable as exc:
        await emit(
            LoginFailed(
                actor=sanitise_username(data.username),
                source_ip=source_ip(),
                target="login",
                reason="provider_unavailable",
                provider=exc.provider,
            )
        )
        raise ApiError(
            503,
            "provider_unavailable",
            f"the sign-in provider {exc.provider} is not answering ({exc.message}); "
            "try again later, or sign in with a local account",
        ) from None
    if identity is None:
        # No provider vouched for the name: the audit names the ones that were asked.
        asked = current_gate().plugins.hook.authenticate.get_hookimpls()
        providers = ",".join(sorted(impl.plugin_name for impl in asked))
        raise await _fail_login(
            data.username, "bad_credentials", user_key, ip_key, provider=providers
        )
    try:
        async with current_gate().db.session() as session:
            user = await upsert_provider_user(session, identity)
    except AccountConflict as exc:
        reason = f"account_conflict:{exc.source}"
        raise await _fail_login(
            data.username, reason, user_key, ip_key, provider=identity.provider
        ) from None
    if user.disabled:
        raise await _fail_login(
            data.username, "disabled", user_key, ip_key, provider=identity.provider
        )
    return user, f"password:{identity.provider}"


async def _complete_login(user_id: int, client: str, method: str) -> Response:
    async with current_gate().db.session() as session:
        user = await session.get(User, user_id)
        assert user is not None
        response = await start_session(session, current_gate().settings, user, client, source_ip())
    provider = method.partition(":")[2] or "local"
    await emit(
        LoginSucceeded(actor=user.username, source_ip=source_ip(), method=method, provider=provider)
    )
    return response


@bp.post("/login/2fa")
@public
@tag(["auth"])
@validate_request(SecondFactorIn)
async def login_second_factor(data: SecondFactorIn) -> Response:
    """Second step of a 2FA login: the pre-auth token and a fresh TOTP code."""
    ip = source_ip()
    claims = auth_state().keys.read(data.pre_auth_token, PRE_2FA)
    if claims is None:
        raise ApiError(401, "invalid_token", "pre-auth token invalid or expired; log in again")
    user_id = int(claims["sub"])
    user_key, ip_key = f"2fa:user:{user_id}", throttle.ip_key("2fa", ip)
    async with current_gate().db.session() as session:
        await throttle.check(session, [user_key, ip_key])
        user = await session.get(User, user_id, with_for_update=True)
        if user is None or user.disabled or not user.totp_enabled or not user.totp_secret:
            raise ApiError(401, "invalid_token", "pre-auth token invalid or expired; log in again")
        step = totp.verify(decrypt_totp_secret(user.totp_secret), data.code, user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
            await throttle.clear(session, user_key)
    if step is None:
        raise await _fail_login(user.username, "bad_2fa_code", user_key, ip_key)
    return await _complete_login(user_id, data.client, "password+totp")


@bp.post("/logout")
@requires("auth.logout")
@tag(["auth"])
async def logout() -> Response:
    """End this session everywhere at once (REST and open WebSockets)."""
    actor = current_actor()
    assert actor is not None
    if actor.session_id:
        async with current_gate().db.session() as session:
            ids = await revoke_sessions(session, user_id=actor.user_id, session_id=actor.session_id)
        close_live(ids, "logged out")
    await emit(LoggedOut(actor=actor.username, source_ip=source_ip()))
    response = jsonify({"ok": True})
    clear_session_cookies(response, current_gate().settings)
    return response


@bp.get("/me")
@requires("auth.me")
@tag(["auth"])
async def me() -> dict[str, Any]:
    """The signed-in user, and the CSRF token for this browser session."""
    actor = current_actor()
    assert actor is not None
    async with current_gate().db.session() as session:
        user = await session.get(User, actor.user_id)
    assert user is not None
    body = {"user": user_json(user), "via": actor.via}
    if actor.via == "cookie" and actor.session_id:
        body["csrf_token"] = auth_state().keys.csrf_token(actor.session_id)
    return body


@bp.post("/password")
@requires("auth.change_password")
@tag(["auth"])
@validate_request(PasswordIn)
async def change_password(data: PasswordIn) -> dict[str, Any]:
    """Change your password; every other session of yours ends."""
    actor = current_actor()
    assert actor is not None
    settings = current_gate().settings
    key = f"password:user:{actor.user_id}"
    async with current_gate().db.session() as session:
        await throttle.check(session, [key])
        user = await session.get(User, actor.user_id)
    assert user is not None
    if user.source != "local":
        raise ApiError(400, "external_account", f"{user.source} accounts change passwords there")
    if not await verify_password(
        data.current_password, user.password_hash, settings.password_hash_rounds
    ):
        async with current_gate().db.session() as session:
            await throttle.fail(
                session, key, settings.login_max_failures, settings.login_lockout_seconds
            )
        raise ApiError(403, "wrong_password", "current password is wrong")
    try:
        check_policy(data.new_password, user.username)
    except PolicyError as exc:
        raise ApiError(400, "weak_password", str(exc)) from None
    if data.new_password == data.current_password:
        raise ApiError(400, "weak_password", "new password must differ from the current one")
    new_hash = await hash_password(data.new_password, settings.password_hash_rounds)
    async with current_gate().db.session() as session:
        user = await session.get(User, actor.user_id)
        assert user is not None
        user.password_hash = new_hash
        user.must_change_password = False
        user.password_changed_at = utcnow()
        await throttle.clear(session, key)
        ended = await revoke_sessions(session, user_id=user.id, except_id=actor.session_id)
    close_live(ended, "password changed")
    await emit(PasswordChanged(actor=actor.username, source_ip=source_ip(), target=actor.username))
    return {"ok": True, "user": user_json(user), "other_sessions_ended": len(ended)}


@bp.get("/sessions")
@requires("auth.sessions.list")
@tag(["auth"])
async def my_sessions() -> dict[str, Any]:
    actor = current_actor()
    assert actor is not None
    async with current_gate().db.session() as session:
        rows = await session.scalars(
            select(LoginSession)
            .where(
                LoginSession.user_id == actor.user_id,
                LoginSession.revoked_at.is_(None),
                LoginSession.expires_at > utcnow(),
            )
            .order_by(LoginSession.created_at.desc())
        )
        return {"sessions": [session_json(s, actor.session_id) for s in rows]}


@bp.delete("/sessions/<handle>")
@requires("auth.sessions.revoke")
@tag(["auth"])
async def revoke_my_session(handle: str) -> dict[str, Any]:
    actor = current_actor()
    assert actor is not None
    if len(handle) < 8:
        raise ApiError(400, "validation_error", "session handle too short")
    async with current_gate().db.session() as session:
        ids = await revoke_sessions(session, user_id=actor.user_id, session_id=handle)
    if not ids:
        raise ApiError(404, "not_found", f"no active session {handle}")
    close_live(ids, "session revoked")
    await emit(SessionRevoked(actor=actor.username, source_ip=source_ip(), target=actor.username))
    return {"revoked": len(ids)}
