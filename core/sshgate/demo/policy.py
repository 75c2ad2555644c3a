"""What demo mode lets through. One function, called by ``authorize()`` for every action,
so the REST guard, the WebSocket guard and the views' own checks all get the same answer.

Writes are refused by default: a new route is read-only in demo mode until it is named here.
"""

from __future__ import annotations

from ..errors import ApiError
from ..sandbox.policy import SANDBOX_GROUP

DEMO_USER = "demo"
# Published on the login page: that is the point of a demo.
DEMO_PASSWORD = "demo"  # noqa: S105
# Read verbs (as for read-only API keys); "test" only probes a connection.
READ_VERBS = frozenset({"view", "list", "read", "download", "me", "watch", "export", "test"})
# The writes a visitor needs: sign out, type into a sandbox terminal, share it.
ALLOWED_WRITES = frozenset(
    {
        "auth.logout",
        "terminal.open",
        "terminal.attach",
        "terminal.join",
        "terminal.share",
        "terminal.sessions.close",
    }
)
# These need a server, and only a sandbox one will do.
SANDBOX_ONLY = frozenset({"terminal.open", "server.test"})


def demo_refusal(action: str, resource: object = None) -> ApiError | None:
    """The 403 that demo mode answers for ``action`` on ``resource``, or None to let the
    usual checks decide."""
    if action.startswith("admin."):
        return _refused("the administration is closed in this demo")
    verb = action.rpartition(".")[2]
    if action not in ALLOWED_WRITES and verb not in READ_VERBS:
        return _refused(f"this demo is read-only: {action} is not available")
    group = getattr(resource, "group", None)
    if action in SANDBOX_ONLY and resource is not None and group != SANDBOX_GROUP:
        return _refused(f"in this demo, {action} is only for servers of the sandbox group")
    return None


def _refused(message: str) -> ApiError:
    return ApiError(403, "demo_mode", message)
