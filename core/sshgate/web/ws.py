"""WebSocket close codes, the same for every WebSocket route (see docs/protocol.md)."""

from __future__ import annotations

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
# 4000-4999 are ours; the last three digits echo the nearest HTTP status.
CLOSE_UNAUTHORIZED = 4401  # not signed in, session ended, revoked or expired
CLOSE_FORBIDDEN = 4403  # signed in but not allowed
CLOSE_NOT_FOUND = 4404  # no such server or session
CLOSE_IDLE_TIMEOUT = 4408  # nothing happened for too long
CLOSE_SESSION_LIMIT = 4429  # too many sessions for this user
CLOSE_SSH_FAILED = 4502  # the SSH connection could not be made or broke
