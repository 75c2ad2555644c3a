"""The audit table: one row per audited event, chained by SHA-256 (see ``chain``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Model
from ..db.types import UTCDateTime

OUTCOMES = ("success", "failure", "denied")


class AuditEntry(Model):
    """Append-only: rows are inserted by :func:`sshgate.audit.chain.append` and never changed
    afterwards; any later edit or deletion in the middle breaks the hash chain."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str | None] = mapped_column(String(64))
    source_ip: Mapped[str | None] = mapped_column(String(64))
    # The event's name, e.g. "auth.login"; indexed for the prefix filter ("auth.*").
    action: Mapped[str] = mapped_column(String(100), index=True)
    target: Mapped[str | None] = mapped_column(String(255))
    outcome: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            # The same text the hash covers, so exports can be verified independently.
            "created_at": self.created_at.isoformat(timespec="microseconds"),
            "actor": self.actor,
            "source_ip": self.source_ip,
            "action": self.action,
            "target": self.target,
            "outcome": self.outcome,
            "details": self.details,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }
