"""SSH connection and host-key events; the audit log records each one. Never secrets."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from ..events import Event


@dataclasses.dataclass(kw_only=True)
class Connected(Event):
    """A chain was opened; ``target`` is the server's name, ``hops`` the jump hosts."""

    name: ClassVar[str] = "ssh.connect"
    server_id: int
    purpose: str
    hops: list[str] = dataclasses.field(default_factory=list)
    ms: float = 0.0


@dataclasses.dataclass(kw_only=True)
class ConnectFailedEvent(Event):
    """Opening failed; ``stage`` is a diagnosis stage, ``hop_name`` where it failed."""

    name: ClassVar[str] = "ssh.connect_failed"
    outcome: str = "failure"
    server_id: int
    purpose: str
    stage: str
    hop_name: str | None = None
    message: str = ""


@dataclasses.dataclass(kw_only=True)
class HostKeyPinned(Event):
    """A key was trusted on first use; ``target`` is the server (a hop of some chain)."""

    name: ClassVar[str] = "ssh.host_key_pinned"
    server_id: int
    fingerprint: str


@dataclasses.dataclass(kw_only=True)
class HostKeyChanged(Event):
    """A server presented a key other than its pin; the connection was refused."""

    name: ClassVar[str] = "ssh.host_key_changed"
    outcome: str = "denied"
    server_id: int
    pinned_fingerprint: str
    offered_fingerprint: str


@dataclasses.dataclass(kw_only=True)
class HostKeyApproved(Event):
    """An administrator pinned the key a server offered."""

    name: ClassVar[str] = "ssh.host_key_approved"
    server_id: int
    fingerprint: str
    previous_fingerprint: str | None = None


@dataclasses.dataclass(kw_only=True)
class HostKeyCleared(Event):
    """An administrator removed a pin; the next connection trusts on first use."""

    name: ClassVar[str] = "ssh.host_key_cleared"
    server_id: int
    previous_fingerprint: str


ALL = [
    Connected,
    ConnectFailedEvent,
    HostKeyPinned,
    HostKeyChanged,
    HostKeyApproved,
    HostKeyCleared,
]
