"""Registry logic shared by the API, import and the CLI: visibility, validation, secrets."""

from __future__ import annotations

from typing import Any

import asyncssh
from sqlalchemy import Select, String, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..crypto import SecretBox
from ..db.types import utcnow
from ..errors import ApiError
from .chains import validate_chain
from .models import HostKey, Server
from .schemas import ServerFields

SECRET_FIELDS = frozenset({"password", "private_key", "key_passphrase"})


def visible_servers(actor: Any) -> Select[Server]:
    """Servers the actor may see: all for admins, their groups for users (tags never count)."""
    query = select(Server)
    if not actor.is_admin:
        # An empty list is a false condition (SQLAlchemy's "empty IN"): no groups, no servers.
        query = query.where(Server.group.in_(list(actor.allowed_groups)))
    return query


def search(query: Select[Server], text: str | None, group: str | None) -> Select[Server]:
    """Filter by group and by text in name, host, description or tags."""
    if group is not None:
        query = query.where(Server.group == group)
    if text:
        like = (
            "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        query = query.where(
            or_(
                *(
                    column.ilike(like, escape="\\")
                    for column in (
                        Server.name,
                        Server.host,
                        Server.description,
                        cast(Server.tags, String),
                    )
                )
            )
        )
    return query.order_by(Server.group, Server.name)


def server_json(server: Server, host_key: HostKey | None = None) -> dict[str, Any]:
    return {
        "id": server.id,
        "name": server.name,
        "host": server.host,
        "port": server.port,
        "username": server.username,
        "auth_method": server.auth_method,
        "has_secret": server.secret is not None,
        "has_passphrase": server.key_passphrase is not None,
        "group": server.group,
        "tags": list(server.tags or []),
        "description": server.description,
        "jump_via": server.jump_via_id,
        "ssh_enabled": server.ssh_enabled,
        "sftp_enabled": server.sftp_enabled,
        "sftp_read_only": server.sftp_read_only,
        "sftp_allowed_paths": list(server.sftp_allowed_paths or []),
        "encoding": server.encoding,
        "host_key": {
            "fingerprint": host_key.pinned_fingerprint if host_key else None,
            "pending_fingerprint": host_key.offered_fingerprint if host_key else None,
        },
        "created_at": server.created_at.isoformat(),
        "updated_at": server.updated_at.isoformat(),
    }


def check_private_key(private_key: str, passphrase: str | None) -> None:
    """Refuse a key that does not parse or that the passphrase does not open, at save time."""
    try:
        asyncssh.import_private_key(private_key, passphrase)
    except asyncssh.KeyEncryptionError:
        raise _invalid("key_passphrase", "does not decrypt the private key") from None
    except (asyncssh.KeyImportError, ValueError) as exc:
        if passphrase is None and "passphrase" in str(exc).lower():
            raise _invalid("key_passphrase", "is required: the private key is encrypted") from None
        raise _invalid(
            "private_key", "is not a private key sshgate can read (OpenSSH or PEM)"
        ) from None


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(
        400,
        "validation_error",
        f"invalid request: {field}: {message}",
        {"errors": [{"field": field, "message": message}]},
    )


async def apply_fields(
    session: AsyncSession, server: Server, data: ServerFields, box: SecretBox, max_depth: int
) -> list[str]:
    """Copy the given fields onto ``server``; encrypt secrets. Returns the names changed."""
    changes = data.model_dump(exclude_unset=True)
    # A null password or key means "no change": secrets are replaced, never read back.
    for field in ("password", "private_key"):
        if changes.get(field, "") is None:
            del changes[field]
    method = changes.get("auth_method", server.auth_method)
    if "private_key" in changes or ("key_passphrase" in changes and method == "key"):
        if "private_key" not in changes and server.secret is None:
            raise _invalid("private_key", "is required with key authentication")
        key = changes.get("private_key") or box.decrypt(server.secret or "")
        check_private_key(key, changes.get("key_passphrase"))
    if method != server.auth_method and server.secret and not SECRET_FIELDS & changes.keys():
        # Switching method without the new secret would leave the old one misused.
        needed = "private_key" if method == "key" else "password"
        raise _invalid(needed, f"is required when switching to {method} authentication")
    for field, value in changes.items():
        if field == "password" or field == "private_key":
            server.secret = box.encrypt(value)
        elif field == "key_passphrase":
            server.key_passphrase = box.encrypt(value) if value else None
        elif field == "jump_via":
            if value is not None:
                try:
                    await validate_chain(session, server.id, value, max_depth)
                except ValueError as exc:
                    raise _invalid("jump_via", str(exc)) from None
            server.jump_via_id = value
        else:
            setattr(server, field, value)
    if method == "password":
        server.key_passphrase = None
    if SECRET_FIELDS & changes.keys() or "host" in changes or "port" in changes:
        server.credentials_changed_at = utcnow()
    return sorted(changes)


async def get_visible(session: AsyncSession, actor: Any, server_id: int) -> Server:
    """The server, or 404 when it does not exist or the actor may not see it."""
    server = await session.scalar(visible_servers(actor).where(Server.id == server_id))
    if server is None:
        raise ApiError(404, "not_found", f"no server {server_id}")
    return server
