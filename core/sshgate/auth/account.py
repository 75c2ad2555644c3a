"""Your own account: two-factor enrolment and API keys."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import Field
from quart import Blueprint, current_app
from quart_schema import tag, validate_request
from sqlalchemy import select

from ..crypto import SecretBox
from ..db.types import utcnow
from ..errors import ApiError
from ..track import emit
from ..web.schemas import Input, Text
from . import throttle, totp
from .events import ApiKeyChanged, TwoFactorChanged
from .guard import current_actor
from .models import ApiKey, User
from .permissions import requires
from .tokens import hash_api_key, new_api_key

bp = Blueprint("account", __name__, url_prefix="/api/auth")
MAX_KEY_DAYS = 3650


class CodeIn(Input):
    code: str = Field(min_length=6, max_length=10)


class ApiKeyIn(Input):
    name: Text = Field(min_length=1, max_length=100)
    read_only: bool = False
    expires_in_days: int | None = Field(None, ge=1, le=MAX_KEY_DAYS)


def totp_box() -> SecretBox:
    settings = current_app.extensions["sshgate"].settings
    return SecretBox([settings.secret_key.get_secret_value()], "totp")


def decrypt_totp_secret(stored: str) -> str:
    return totp_box().decrypt(stored)


def _db() -> Any:
    return current_app.extensions["sshgate"].db


def _me() -> Any:
    actor = current_actor()
    assert actor is not None
    return actor


async def _check_code(user: User, code: str, session: Any) -> None:
    """Verify a TOTP code for an account action, with the same throttle as 2FA login."""
    settings = current_app.extensions["sshgate"].settings
    key = f"2fa:user:{user.id}"
    await throttle.check(session, [key])
    step = totp.verify(decrypt_totp_secret(user.totp_secret or ""), code, user.totp_last_step)
    if step is None:
        await throttle.fail(
            session, key, settings.login_max_failures, settings.login_lockout_seconds
        )
        raise ApiError(400, "invalid_code", "the code is wrong, expired or already used")
    user.totp_last_step = step


@bp.post("/2fa/enroll")
@requires("auth.2fa.enroll")
@tag(["account"])
async def enroll() -> dict[str, Any]:
    """Start enrolment: a new secret, as text and as a QR code. Confirm it with a code."""
    actor = _me()
    async with _db().session() as session:
        user = await session.get(User, actor.user_id)
        assert user is not None
        if user.totp_enabled:
            raise ApiError(409, "already_enabled", "two-factor authentication is already on")
        secret = totp.new_secret()
        user.totp_secret = totp_box().encrypt(secret)
        user.totp_last_step = 0
    uri = totp.provisioning_uri(secret, actor.username)
    await emit(
        TwoFactorChanged(actor=actor.username, target=actor.username, change="enrolment_started")
    )
    return {"secret": secret, "otpauth_uri": uri, "qr_png": totp.qr_png_data_uri(uri)}


@bp.post("/2fa/confirm")
@requires("auth.2fa.confirm")
@tag(["account"])
@validate_request(CodeIn)
async def confirm(data: CodeIn) -> dict[str, Any]:
    actor = _me()
    async with _db().session() as session:
        user = await session.get(User, actor.user_id, with_for_update=True)
        assert user is not None
        if user.totp_enabled:
            raise ApiError(409, "already_enabled", "two-factor authentication is already on")
        if not user.totp_secret:
            raise ApiError(409, "not_enrolled", "start enrolment first")
        await _check_code(user, data.code, session)
        user.totp_enabled = True
    await emit(TwoFactorChanged(actor=actor.username, target=actor.username, change="enabled"))
    return {"totp_enabled": True}


@bp.post("/2fa/disable")
@requires("auth.2fa.disable")
@tag(["account"])
@validate_request(CodeIn)
async def disable(data: CodeIn) -> dict[str, Any]:
    actor = _me()
    async with _db().session() as session:
        user = await session.get(User, actor.user_id, with_for_update=True)
        assert user is not None
        if not user.totp_enabled:
            raise ApiError(409, "not_enabled", "two-factor authentication is off")
        await _check_code(user, data.code, session)
        user.totp_enabled, user.totp_secret = False, None
    await emit(TwoFactorChanged(actor=actor.username, target=actor.username, change="disabled"))
    return {"totp_enabled": False}


def key_json(key: ApiKey) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "read_only": key.read_only,
        "created_at": iso(key.created_at),
        "expires_at": iso(key.expires_at),
        "last_used_at": iso(key.last_used_at),
        "revoked": key.revoked_at is not None,
    }


@bp.get("/api-keys")
@requires("auth.api_keys.list")
@tag(["account"])
async def list_keys() -> dict[str, Any]:
    actor = _me()
    async with _db().session() as session:
        keys = await session.scalars(
            select(ApiKey)
            .where(ApiKey.user_id == actor.user_id, ApiKey.revoked_at.is_(None))
            .order_by(ApiKey.id)
        )
        return {"api_keys": [key_json(k) for k in keys]}


@bp.post("/api-keys")
@requires("auth.api_keys.create")
@tag(["account"])
@validate_request(ApiKeyIn)
async def create_key(data: ApiKeyIn) -> tuple[dict[str, Any], int]:
    """Create an API key. The key is in this answer only; it is stored hashed."""
    actor = _me()
    if actor.via == "api_key":
        raise ApiError(403, "forbidden", "API keys cannot create API keys")
    secret = new_api_key()
    expires = utcnow() + timedelta(days=data.expires_in_days) if data.expires_in_days else None
    async with _db().session() as session:
        key = ApiKey(
            user_id=actor.user_id,
            name=data.name,
            prefix=secret[:10],
            key_hash=hash_api_key(secret),
            read_only=data.read_only,
            expires_at=expires,
        )
        session.add(key)
        await session.flush()
        body = key_json(key)
    await emit(
        ApiKeyChanged(
            actor=actor.username,
            target=actor.username,
            change="created",
            key_name=data.name,
            read_only=data.read_only,
        )
    )
    return {**body, "key": secret}, 201


@bp.delete("/api-keys/<int:key_id>")
@requires("auth.api_keys.revoke")
@tag(["account"])
async def revoke_key(key_id: int) -> dict[str, Any]:
    actor = _me()
    async with _db().session() as session:
        key = await session.get(ApiKey, key_id)
        if key is None or key.user_id != actor.user_id or key.revoked_at is not None:
            raise ApiError(404, "not_found", f"no API key {key_id}")
        key.revoked_at = utcnow()
        name, read_only = key.name, key.read_only
    await emit(
        ApiKeyChanged(
            actor=actor.username,
            target=actor.username,
            change="revoked",
            key_name=name,
            read_only=read_only,
        )
    )
    return {"revoked": True}
