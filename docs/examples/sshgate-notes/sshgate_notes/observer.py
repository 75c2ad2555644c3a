"""A session observer: called directly on the terminal's hot path, so it only adds."""

from __future__ import annotations

from sshgate.api import TerminalSession

from .state import NotesState


class OutputCounter:
    """Counts the bytes a shell sends to its viewers. ``resized`` is not needed: every
    observer method is optional."""

    def __init__(self, session: TerminalSession, notes: NotesState) -> None:
        self.stats = notes.session_started(session)

    def data_received(self, data: bytes, direction: str) -> None:
        if direction == "output":
            self.stats.output_bytes += len(data)

    def closed(self) -> None:
        self.stats.ended = True
