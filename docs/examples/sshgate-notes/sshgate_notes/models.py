"""The plugin's table; created by ``migrations/notes_0001_entries.py``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sshgate.api import Model


def utc(value: datetime) -> datetime:
    # SQLite hands timezone-aware columns back without their zone.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class Note(Model):
    __tablename__ = "notes_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    server_id: Mapped[int | None] = mapped_column(ForeignKey("servers.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC)
    )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "server_id": self.server_id,
            "created_at": utc(self.created_at).isoformat(),
        }
