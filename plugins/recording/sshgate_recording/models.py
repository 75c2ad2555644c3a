"""The metadata of a recording; the events themselves are in its .cast file on disk."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sshgate.api import Model, UTCDateTime

# What a recording can be: still being written by a live worker; closed normally; closed by
# a sweep after its worker died (the file ends where the worker stopped); cut short by a
# failed write (best-effort) or ended with its session (strict).
STATUSES = ("recording", "complete", "incomplete", "truncated", "failed")


class Recording(Model):
    __tablename__ = "recordings"

    # 24 hex characters made here: the file name is built from it, never from input.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    # No foreign keys: a recording outlives the account and the server it shows.
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    username: Mapped[str] = mapped_column(String(255))
    server_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    server_name: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(512))
    # Relative to SSHGATE_RECORDING_DIR: "<year>/<month>/<id>.cast".
    file: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    duration: Mapped[float] = mapped_column(Float, default=0.0)
    cols: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)
    input: Mapped[bool] = mapped_column(Boolean)
    # The worker writing it (gate().instance_id) and when it last said so (sweeps.py).
    worker: Mapped[str] = mapped_column(String(64))
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # JSON: [{"user", "mode", "joined", "left", "typed"}], times in seconds into the cast.
    participants: Mapped[str] = mapped_column(Text, default="[]")
    # Why it is truncated, failed or incomplete.
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "session_id": self.session_id,
            "user": self.username,
            "user_id": self.user_id,
            "server": self.server_name,
            "server_id": self.server_id,
            "title": self.title,
            "started": _iso(self.started_at),
            "ended": _iso(self.ended_at) if self.ended_at else None,
            "duration": round(self.duration, 3),
            "size": self.size,
            "status": self.status,
            "note": self.note,
            "cols": self.cols,
            "rows": self.rows,
            "input": self.input,
            "participants": json.loads(self.participants or "[]"),
        }


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
