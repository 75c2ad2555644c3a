"""What the plugin keeps in memory, per app (and so per worker process)."""

from __future__ import annotations

import dataclasses
from collections import deque
from typing import Any

from quart import Quart, current_app

from sshgate.api import TerminalSession, plugin_settings

from .settings import NAME, NotesSettings

MAX_ENDED = 100  # ended sessions kept for the counters route


@dataclasses.dataclass
class SessionStats:
    session_id: str
    owner_id: int
    owner: str
    server: str
    output_bytes: int = 0
    ended: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            # The first 12 characters, as the audit log names sessions.
            "session_id": self.session_id[:12],
            "owner": self.owner,
            "server": self.server,
            "output_bytes": self.output_bytes,
            "ended": self.ended,
        }


@dataclasses.dataclass
class NotesState:
    recent_events: deque[str]
    sessions: dict[str, SessionStats] = dataclasses.field(default_factory=dict)

    def session_started(self, session: TerminalSession) -> SessionStats:
        stats = SessionStats(session.id, session.owner_id, session.owner, session.server_name)
        self.sessions[session.id] = stats
        ended = [key for key, s in self.sessions.items() if s.ended]
        for key in ended[: max(0, len(ended) - MAX_ENDED)]:
            del self.sessions[key]
        return stats


def state(app: Quart | None = None) -> NotesState:
    """The plugin's state in ``app`` (the current app by default), made on first use."""
    app = app or current_app
    found = app.extensions.get(NAME)
    if found is None:
        size = plugin_settings(NAME, NotesSettings, app).recent_events
        found = app.extensions[NAME] = NotesState(recent_events=deque(maxlen=size))
    return found
