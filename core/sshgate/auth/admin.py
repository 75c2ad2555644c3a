"""User management for administrators."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator
from quart import Blueprint
from quart_schema import tag, validate_request
from sqlalchemy import delete, func, select

from ..db.types import utcnow
from ..errors import ApiError
from ..gate import current_gate
from ..track import emit
from ..web.schemas import Input
from . import throttle
from .events import SessionRevoked, UserChanged
from .guard import auth_state, current_actor
from .models import LoginSession, Throttle, User
from .passwords import PolicyError, check_policy, generate_password, hash_password
from .permissions import requires
from .sessions import close_live, revoke_sessions, session_json, user_json

bp = Blueprint("admin_users", __name__, url_prefix="/api/admin/users")

USERNAME = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
Group = Field(min_length=1, max_length=64)


class UserIn(Input):
    username: str = Field(pattern=USERNAME)
    password: str | None = Field(None, max_length=1024)
    role: Literal["admin", "user"] = "user"
    allowed_groups: list[str] = Field(default_factory=list, max_length=200)
    permissions: list[Literal["quick_connect"]] = Field(default_factory=list)

    @field_validator("allowed_groups")
    @classmethod
    def _groups(cls, value: list[str]) -> list[str]:
        return _clean_groups(value)


class UserPatch(Input):
    role: Literal["admin", "user"] | None = None
    allowed_groups: list[str] | None = Field(None, max_length=200)
    permissions: list[Literal["quick_connect"]] | None = None
    disabled: bool | None = None

    @field_validator("allowed_groups")
    @classmethod
    def _groups(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _clean_groups(value)


class PasswordResetIn(Input):
    password: str | None = Field(None, max_length=1024)


def _clean_groups(groups: list[str]) -> list[str]:
    cleaned = []
    for group in groups:
        group = group.strip()
        if not group or len(group) > 64:
            raise ValueError("each group must have 1 to 64 characters")
        if any(char < " " or char == "\x7f" for char in group):  # as server groups
            raise ValueError("groups must not contain control characters")
        if group not in cleaned:
            cleaned.append(group)
    return cleaned


async def _password_or_generated(given: str | None, username: str) -> tuple[str, str | None]:
    """(hash, the generated password to show once or None when the admin chose one)."""
    password = given or generate_password()
    try:
        check_policy(password, username)
    except PolicyError as exc:
        raise ApiError(400, "weak_password", str(exc)) from None
    rounds = current_gate().settings.password_hash_rounds
    return await hash_password(password, rounds), None if given else password


async def _get(session: Any, user_id: int, *, lock: bool = False) -> User:
    user = await session.get(User, user_id, with_for_update=lock)
    if user is None:
        raise ApiError(404, "not_found", f"no user {user_id}")
    return user


async def _other_admins(session: Any, user_id: int) -> int:
    return await session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == "admin", User.disabled.is_(False), User.id != user_id)
    )


@bp.get("")
@requires("admin.users.list")
@tag(["admin"])
async def list_users() -> dict[str, Any]:
    async with current_gate().db.session() as session:
        users = await session.scalars(select(User).order_by(User.username))
        return {"users": [user_json(u) for u in users]}


@bp.post("")
@requires("admin.users.create")
@tag(["admin"])
@validate_request(UserIn)
async def create_user(data: UserIn) -> tuple[dict[str, Any], int]:
    """Create a user; without a password one is generated, shown once, and must be changed."""
    password_hash, generated = await _password_or_generated(data.password, data.username)
    async with current_gate().db.session() as session:
        exists = await session.scalar(
            select(User.id).where(func.lower(User.username) == data.username.casefold())
        )
        if exists:
            raise ApiError(409, "conflict", f"user {data.username!r} exists")
        user = User(
            username=data.username,
            password_hash=password_hash,
            role=data.role,
            allowed_groups=data.allowed_groups,
            permissions=list(data.permissions),
            must_change_password=True,
            password_changed_at=utcnow(),
        )
        session.add(user)
        await session.flush()
        body = user_json(user)
    fields = sorted(data.model_fields_set - {"password"})
    await emit(UserChanged(target=data.username, change="created", fields=fields))
    if generated:
        body["generated_password"] = generated
    return body, 201


@bp.get("/<int:user_id>")
@requires("admin.users.view")
@tag(["admin"])
async def get_user(user_id: int) -> dict[str, Any]:
    async with current_gate().db.session() as session:
        return user_json(await _get(session, user_id))


@bp.patch("/<int:user_id>")
@requires("admin.users.update")
@tag(["admin"])
@validate_request(UserPatch)
async def update_user(user_id: int, data: UserPatch) -> dict[str, Any]:
    changes = data.model_dump(exclude_unset=True)
    async with current_gate().db.session() as session:
        user = await _get(session, user_id, lock=True)
        demoting = changes.get("role") == "user" or changes.get("disabled") is True
        if demoting and user.role == "admin" and not await _other_admins(session, user.id):
            raise ApiError(409, "last_admin", "the last active administrator must stay one")
        for field, value in changes.items():
            setattr(user, field, list(value) if isinstance(value, list) else value)
        body = user_json(user)
        ended = await revoke_sessions(session, user_id=user.id) if changes.get("disabled") else []
    if changes.get("disabled"):
        auth_state().live.end_user(user_id, "account disabled")
        close_live(ended, "account disabled")
    await emit(UserChanged(target=body["username"], change="updated", fields=sorted(changes)))
    return body


@bp.post("/<int:user_id>/password")
@requires("admin.users.reset_password")
@tag(["admin"])
@validate_request(PasswordResetIn)
async def reset_password(user_id: int, data: PasswordResetIn) -> dict[str, Any]:
    """Set a new password (or generate one); the user must change it and is signed out."""
    async with current_gate().db.session() as session:
        user = await _get(session, user_id, lock=True)
        if user.source != "local":
            raise ApiError(400, "external_account", f"{user.source} accounts have no password here")
        password_hash, generated = await _password_or_generated(data.password, user.username)
        user.password_hash = password_hash
        user.must_change_password = True
        user.password_changed_at = utcnow()
        username = user.username
        ended = await revoke_sessions(session, user_id=user.id)
    close_live(ended, "password reset by an administrator")
    await emit(UserChanged(target=username, change="password_reset"))
    return {"ok": True, "generated_password": generated, "sessions_ended": len(ended)}


@bp.delete("/<int:user_id>")
@requires("admin.users.delete")
@tag(["admin"])
async def delete_user(user_id: int) -> dict[str, Any]:
    actor = current_actor()
    async with current_gate().db.session() as session:
        user = await _get(session, user_id, lock=True)
        if actor is not None and actor.user_id == user.id:
            raise ApiError(409, "conflict", "you cannot delete yourself")
        if user.role == "admin" and not await _other_admins(session, user.id):
            raise ApiError(409, "last_admin", "the last active administrator cannot be deleted")
        username = user.username
        ended = await revoke_sessions(session, user_id=user.id)
        await session.delete(user)
    auth_state().live.end_user(user_id, "account deleted")
    close_live(ended, "account deleted")
    await emit(UserChanged(target=username, change="deleted"))
    return {"deleted": True}


@bp.post("/<int:user_id>/2fa/reset")
@requires("admin.users.reset_2fa")
@tag(["admin"])
async def reset_two_factor(user_id: int) -> dict[str, Any]:
    async with current_gate().db.session() as session:
        user = await _get(session, user_id, lock=True)
        user.totp_enabled, user.totp_secret, user.totp_last_step = False, None, 0
        username = user.username
    await emit(UserChanged(target=username, change="2fa_reset"))
    return {"totp_enabled": False}


@bp.post("/<int:user_id>/unlock")
@requires("admin.users.unlock")
@tag(["admin"])
async def unlock(user_id: int) -> dict[str, Any]:
    """Clear the failed-login counters that lock this account."""
    async with current_gate().db.session() as session:
        user = await _get(session, user_id)
        keys = [
            throttle.user_key("login", user.username),
            f"2fa:user:{user.id}",
            f"password:user:{user.id}",
        ]
        await session.execute(delete(Throttle).where(Throttle.key.in_(keys)))
        username = user.username
    await emit(UserChanged(target=username, change="unlocked"))
    return {"unlocked": True}


@bp.get("/<int:user_id>/sessions")
@requires("admin.users.sessions.list")
@tag(["admin"])
async def user_sessions(user_id: int) -> dict[str, Any]:
    async with current_gate().db.session() as session:
        await _get(session, user_id)
        rows = await session.scalars(
            select(LoginSession)
            .where(
                LoginSession.user_id == user_id,
                LoginSession.revoked_at.is_(None),
                LoginSession.expires_at > utcnow(),
            )
            .order_by(LoginSession.created_at.desc())
        )
        return {"sessions": [session_json(s) for s in rows]}


@bp.delete("/<int:user_id>/sessions")
@requires("admin.users.sessions.revoke")
@tag(["admin"])
async def revoke_user_sessions(user_id: int) -> dict[str, Any]:
    """Sign the user out everywhere, at once."""
    return await _revoke(user_id, None)


@bp.delete("/<int:user_id>/sessions/<handle>")
@requires("admin.users.sessions.revoke")
@tag(["admin"])
async def revoke_user_session(user_id: int, handle: str) -> dict[str, Any]:
    if len(handle) < 8:
        raise ApiError(400, "validation_error", "session handle too short")
    return await _revoke(user_id, handle)


async def _revoke(user_id: int, handle: str | None) -> dict[str, Any]:
    async with current_gate().db.session() as session:
        user = await _get(session, user_id)
        ids = await revoke_sessions(session, user_id=user_id, session_id=handle)
        username = user.username
    if handle is not None and not ids:
        raise ApiError(404, "not_found", f"no active session {handle}")
    close_live(ids, "session revoked by an administrator")
    await emit(SessionRevoked(target=username, count=len(ids)))
    return {"revoked": len(ids)}
