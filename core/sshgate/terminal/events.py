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


ALL = [TerminalOpened, TerminalClosed]
