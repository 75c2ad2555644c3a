"""Status transitions, audited, so that webhooks and the audit log carry them.

``monitoring.server_offline`` when a server that was online (or never probed) fails a
probe; ``monitoring.server_online`` when an offline server answers again. A server's first
successful probe is no transition: a fresh install does not log every server coming up.
``target`` is the server's name; ``actor`` is empty (the system).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from sshgate.api import Event


@dataclasses.dataclass(kw_only=True)
class ServerOnline(Event):
    name: ClassVar[str] = "monitoring.server_online"
    server_id: int
    latency_ms: float | None = None
    down_seconds: float | None = None  # how long it was offline


@dataclasses.dataclass(kw_only=True)
class ServerOffline(Event):
    name: ClassVar[str] = "monitoring.server_offline"
    outcome: str = "failure"
    server_id: int
    reason: str
    message: str = ""


@dataclasses.dataclass(kw_only=True)
class CheckChanged(Event):
    """An administrator switched a server's full check on or off."""

    name: ClassVar[str] = "monitoring.check_changed"
    server_id: int
    full_check: bool


EVENTS: list[type[Event]] = [ServerOnline, ServerOffline, CheckChanged]
