"""Terminal events: a session opened or closed (bytes and duration, never the content)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from ..events import Event


@dataclasses.dataclass(kw_only=True)
class TerminalOpened(Event):
    name: ClassVar[str] = "terminal.opened"
    session_id: str
    quick: bool = False


@dataclasses.dataclass(kw_only=True)
class TerminalClosed(Event):
    name: ClassVar[str] = "terminal.closed"
    session_id: str
    reason: str
    bytes_out: int = 0
    bytes_in: int = 0
    seconds: float = 0.0


@dataclasses.dataclass(kw_only=True)
class ShareChanged(Event):
    name: ClassVar[str] = "terminal.share_changed"
    session_id: str
    change: str  # created, revoked
    mode: str = "ro"


@dataclasses.dataclass(kw_only=True)
class SessionJoined(Event):
    name: ClassVar[str] = "terminal.joined"
    session_id: str
    how: str  # share_ro, share_rw, admin_watch
    owner: str = ""


@dataclasses.dataclass(kw_only=True)
class ClientKicked(Event):
    name: ClassVar[str] = "terminal.client_kicked"
    session_id: str
    kicked: str


ALL = [TerminalOpened, TerminalClosed, ShareChanged, SessionJoined, ClientKicked]
