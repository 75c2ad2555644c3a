"""The server registry's tables: servers (with encrypted credentials) and pinned host keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Model
from ..db.types import UTCDateTime, utcnow

AUTH_METHODS = ("password", "key")
ENCODINGS = ("utf-8", "gbk", "big5", "shift_jis", "euc-jp", "euc-kr", "latin-1", "cp1252")


class Server(Model):
    __tablename__ = "servers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer, default=22)
    username: Mapped[str] = mapped_column(String(100))
    auth_method: Mapped[str] = mapped_column(String(16), default="password")
    # Fernet tokens (purpose "server-credentials"): the password or the private key, and
    # the key's passphrase. Never returned by the API, never logged.
    secret: Mapped[str | None] = mapped_column(Text)
    key_passphrase: Mapped[str | None] = mapped_column(Text)
    # "" means no group: only administrators see such a server.
    group: Mapped[str] = mapped_column("group_name", String(64), default="", index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    jump_via_id: Mapped[int | None] = mapped_column(
        ForeignKey("servers.id", ondelete="RESTRICT"), index=True
    )
    ssh_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    sftp_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    sftp_read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    sftp_allowed_paths: Mapped[list[str]] = mapped_column(JSON, default=list)
    encoding: Mapped[str] = mapped_column(String(16), default="utf-8")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Bumped whenever credentials change, so pooled connections can tell they are stale.
    credentials_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HostKey(Model):
    """The key pinned for a server (trust on first use), and a different key it offered."""

    __tablename__ = "server_host_keys"

    server_id: Mapped[int] = mapped_column(
        ForeignKey("servers.id", ondelete="CASCADE"), primary_key=True
    )
    # OpenSSH public key lines ("ssh-ed25519 AAAA..."), and their SHA256 fingerprints.
    pinned_key: Mapped[str | None] = mapped_column(Text)
    pinned_fingerprint: Mapped[str | None] = mapped_column(String(100))
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pinned_by: Mapped[str | None] = mapped_column(String(64))
    offered_key: Mapped[str | None] = mapped_column(Text)
    offered_fingerprint: Mapped[str | None] = mapped_column(String(100))
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
