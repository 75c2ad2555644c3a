"""Open WebSockets per login session, so that logout and revocation close them at once.

In-process only; a WebSocket on another worker notices on its next periodic re-check
(``RECHECK_INTERVAL``) that its session is gone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

RECHECK_INTERVAL = 30.0

Closer = Callable[[str], None]


@dataclass
class LiveConnections:
    _by_session: dict[str, set[Closer]] = field(default_factory=lambda: defaultdict(set))
    _by_user: dict[int, set[Closer]] = field(default_factory=lambda: defaultdict(set))

    def add(self, session_id: str | None, user_id: int, close: Closer) -> Callable[[], None]:
        """Track a connection; returns the function that forgets it."""
        if session_id:
            self._by_session[session_id].add(close)
        self._by_user[user_id].add(close)

        def forget() -> None:
            if session_id:
                self._by_session.get(session_id, set()).discard(close)
            self._by_user.get(user_id, set()).discard(close)

        return forget

    def end_session(self, session_id: str, reason: str) -> None:
        for close in list(self._by_session.pop(session_id, ())):
            close(reason)

    def end_user(self, user_id: int, reason: str) -> None:
        for close in list(self._by_user.pop(user_id, ())):
            close(reason)
