"""WebSocket close codes, the same for every WebSocket route (see docs/protocol.md)."""

from __future__ import annotations

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_INTERNAL_ERROR = 1011  # an unexpected error on the server; it was logged
# 4000-4999 are ours; the last three digits echo the nearest HTTP status.
CLOSE_UNAUTHORIZED = 4401  # not signed in, session ended, revoked or expired
CLOSE_FORBIDDEN = 4403  # signed in but not allowed
CLOSE_NOT_FOUND = 4404  # no such server or session
CLOSE_IDLE_TIMEOUT = 4408  # nothing happened for too long
CLOSE_SESSION_LIMIT = 4429  # too many sessions for this user
CLOSE_SSH_FAILED = 4502  # the SSH connection could not be made or broke
CLOSE_UNAVAILABLE = 4503  # the database is unavailable; try again shortly

# The close code for each reason the terminal layer gives (sshgate.terminal.endings.Ending).
ENDING_CODES = {
    "normal": CLOSE_NORMAL,
    "shutdown": CLOSE_GOING_AWAY,
    "signed_out": CLOSE_UNAUTHORIZED,
    "removed": CLOSE_FORBIDDEN,
    "behind": CLOSE_IDLE_TIMEOUT,
    "idle": CLOSE_IDLE_TIMEOUT,
    "broken": CLOSE_SSH_FAILED,
}


def close_code(ending: str) -> int:
    """The WebSocket close code for a terminal ending; unknown endings close normally."""
    return ENDING_CODES.get(ending, CLOSE_NORMAL)
