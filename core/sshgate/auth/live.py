"""Open WebSockets per login session, so that logout and revocation close them at once.

Revocation on this worker closes them directly. Revocation on another worker, expiry and a
disabled account are found by one sweep per worker (:mod:`.sweep`) every
``RECHECK_INTERVAL``: one query for all of this worker's connections, instead of one query
per WebSocket, so that hundreds of idle terminals cost no CPU.
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
    _by_api_key: dict[int, set[Closer]] = field(default_factory=lambda: defaultdict(set))
    # Told when an account is disabled or deleted, for what outlives its sockets (a detached
    # shell waiting for its owner to reattach).
    _user_listeners: list[Callable[[int, str], None]] = field(default_factory=list)

    def on_user_end(self, listener: Callable[[int, str], None]) -> None:
        self._user_listeners.append(listener)

    def add(
        self,
        session_id: str | None,
        user_id: int,
        close: Closer,
        *,
        api_key_id: int | None = None,
    ) -> Callable[[], None]:
        """Track a connection; returns the function that forgets it."""
        if session_id:
            self._by_session[session_id].add(close)
        if api_key_id is not None:
            self._by_api_key[api_key_id].add(close)
        self._by_user[user_id].add(close)

        def forget() -> None:
            _discard(self._by_session, session_id, close)
            _discard(self._by_api_key, api_key_id, close)
            _discard(self._by_user, user_id, close)

        return forget

    def session_ids(self) -> list[str]:
        return list(self._by_session)

    def api_key_ids(self) -> list[int]:
        return list(self._by_api_key)

    def end_session(self, session_id: str, reason: str) -> None:
        for close in list(self._by_session.pop(session_id, ())):
            close(reason)

    def end_api_key(self, api_key_id: int, reason: str) -> None:
        for close in list(self._by_api_key.pop(api_key_id, ())):
            close(reason)

    def end_user(self, user_id: int, reason: str) -> None:
        for close in list(self._by_user.pop(user_id, ())):
            close(reason)
        for listener in self._user_listeners:
            listener(user_id, reason)


def _discard(index: dict, key: object, close: Closer) -> None:
    closers = index.get(key) if key is not None else None
    if closers is not None:
        closers.discard(close)
        if not closers:
            del index[key]
