"""The snippets table: a user's own command snippets, and shared ones published by admins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Model
from ..db.types import UTCDateTime, utcnow


class Snippet(Model):
    __tablename__ = "snippets"
    # Names are unique per owner. NULLs are distinct in a UNIQUE constraint on both
    # dialects, so shared snippets (owner NULL) need a partial index of their own. The
    # routes check first and answer 409 with a clear message; these are the backstop for
    # two requests racing.
    __table_args__ = (
        UniqueConstraint("owner_id", "name", name="uq_snippets_owner_id_name"),
        Index(
            "uq_snippets_shared_name",
            "name",
            unique=True,
            sqlite_where=text("owner_id IS NULL"),
            postgresql_where=text("owner_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: a shared snippet, published by an administrator and visible to everyone.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    command: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Ask the person before the browser runs it (destructive commands, production).
    confirm: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def shared(self) -> bool:
        return self.owner_id is None
