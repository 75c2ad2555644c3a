"""Why a client of a terminal session is let go. The terminal layer speaks these reasons;
only the WebSocket layer turns them into close codes (``sshgate.web.ws.close_code``)."""

from __future__ import annotations

from enum import StrEnum


class Ending(StrEnum):
    NORMAL = "normal"  # the shell ended, or someone closed it
    SHUTDOWN = "shutdown"  # this worker is stopping
    SIGNED_OUT = "signed_out"  # the client's login ended (logout, revoked, expired)
    REMOVED = "removed"  # kicked by the owner, or its share link was revoked
    BEHIND = "behind"  # fell too far behind the output; reconnecting resyncs
    IDLE = "idle"  # nothing happened for longer than the idle timeout
    BROKEN = "broken"  # the link to the worker that owns the shell was lost
