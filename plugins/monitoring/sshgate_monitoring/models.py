"""The plugin's tables: the last probe result per server, and each worker's metrics.

Both live in the database so that every worker reads the same: the status is written by the
one prober (whoever holds the lease) and read by all; the metrics of each worker are merged
on scrape (see :mod:`.aggregate`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sshgate.api import Model, UTCDateTime


class ServerStatus(Model):
    __tablename__ = "monitoring_status"

    server_id: Mapped[int] = mapped_column(
        ForeignKey("servers.id", ondelete="CASCADE"), primary_key=True
    )
    # "online", "offline"; "unknown" until the first probe (a row may exist for full_check).
    state: Mapped[str] = mapped_column(String(16), default="unknown")
    # Why it is offline: dns, refused, unreachable, timeout, banner, host_key_changed,
    # auth_failed, jump, vetoed, error (see probe.py). None while online.
    reason: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text, default="")
    latency_ms: Mapped[float | None] = mapped_column(Float)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Consecutive failed probes (0 while online).
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # Probe by logging in through the connector (host key checked against its pin) instead
    # of reading the banner: set per server by an administrator.
    full_check: Mapped[bool] = mapped_column(Boolean, default=False)

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.server_id,
            "state": self.state,
            "online": self.state == "online",
            "reason": self.reason,
            "message": self.message,
            "latency_ms": self.latency_ms,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
            "changed_at": self.changed_at.isoformat() if self.changed_at else None,
            "failures": self.failures,
            "full_check": self.full_check,
        }


class WorkerMetrics(Model):
    __tablename__ = "monitoring_worker_metrics"

    instance_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    samples: Mapped[str] = mapped_column(Text)  # JSON, see aggregate.snapshot()
