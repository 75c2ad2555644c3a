"""The plugin's tables: webhooks, the outbox (one row per event and webhook) and the
delivery log (one row per attempt)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sshgate.api import Model, UTCDateTime, utcnow

PENDING, SENDING, DELIVERED, DEAD = "pending", "sending", "delivered", "dead"


class Endpoint(Model):
    __tablename__ = "webhooks_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    events: Mapped[list[str]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    secret: Mapped[str] = mapped_column(Text)  # secret_box("webhooks") token
    headers: Mapped[str | None] = mapped_column(Text)  # secret_box token of a JSON object
    header_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    dropped: Mapped[int] = mapped_column(BigInteger, default=0)
    overflowing: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "description": self.description,
            "events": list(self.events),
            "enabled": self.enabled,
            "header_names": list(self.header_names or []),
            "dropped": self.dropped,
            "overflowing": self.overflowing,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


class Message(Model):
    """One event on its way to one webhook: the outbox row, its id is the delivery id."""

    __tablename__ = "webhooks_outbox"
    # The worker's question: which rows are due, oldest first.
    __table_args__ = (
        Index("ix_webhooks_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhooks_endpoints.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)  # the exact JSON that is signed and sent
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    attempt_limit: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_latency_ms: Mapped[int | None] = mapped_column(Integer)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "webhook_id": self.endpoint_id,
            "event_id": self.event_id,
            "event": self.event,
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": (
                self.next_attempt_at.isoformat() if self.status == PENDING else None
            ),
            "created_at": self.created_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "status_code": self.last_status_code,
            "error": self.last_error,
            "latency_ms": self.last_latency_ms,
        }

    def payload(self) -> Any:
        return json.loads(self.body)


class Attempt(Model):
    """One try at delivering a message: the delivery log."""

    __tablename__ = "webhooks_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(
        ForeignKey("webhooks_outbox.id", ondelete="CASCADE"), index=True
    )
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhooks_endpoints.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))  # success, failure, refused
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    response: Mapped[str | None] = mapped_column(Text)  # a small prefix of the answer
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def to_json(self) -> dict[str, Any]:
        return {
            "attempt": self.attempt,
            "started_at": self.started_at.isoformat(),
            "outcome": self.outcome,
            "status_code": self.status_code,
            "latency_ms": self.latency_ms,
            "error": self.error,
            "response": self.response,
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
        }
