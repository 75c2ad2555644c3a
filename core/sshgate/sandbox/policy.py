"""When the sandbox may run: the start-up checks, and who sees it.

The sandbox hands every signed-in user a shell on the machine that runs sshgate. On a laptop
(sshgate on loopback) that is the point; on a reachable address it is only acceptable for a
public demo, where demo mode blocks every other write, the operator said so explicitly, and
the shell runs as an unprivileged account rather than as sshgate's own user.
"""

from __future__ import annotations

import os

from ..errors import StartupError
from ..settings import Settings, is_loopback

SERVER_NAME = "sandbox"
# The group the sandbox server is registered in. While the sandbox runs, every user is granted
# it (auth/actor.py), so the first login of anyone sees it; other servers put in this group
# by an administrator become visible to everyone too, which docs/deploy.md points out.
SANDBOX_GROUP = "sandbox"
ENABLE_HINT = "sshgate serve --sandbox (SSHGATE_SANDBOX=true)"


def check_sandbox(settings: Settings, euid: int | None = None) -> None:
    """Raise a one-line StartupError when the sandbox is on where it must not run."""
    if not settings.sandbox:
        return
    euid = os.geteuid() if euid is None else euid
    if settings.workers > 1:
        raise StartupError(
            f"the sandbox runs inside the one sshgate process; {ENABLE_HINT} needs "
            f"SSHGATE_WORKERS=1 (got {settings.workers})"
        )
    if is_loopback(settings.host):
        return
    if not (settings.demo_mode and settings.sandbox_public):
        raise StartupError(
            f"refusing to start the sandbox while listening on {settings.host}: it gives every "
            "user a shell on this machine. Listen on 127.0.0.1 (SSHGATE_HOST), or, for a public "
            "demo, set both SSHGATE_DEMO_MODE=true and SSHGATE_SANDBOX_PUBLIC=true"
        )
    if euid != 0:
        raise StartupError(
            f"refusing to start a public sandbox on {settings.host} as a non-root user: its "
            "shell would run as sshgate's own user and could read sshgate's data. Run sshgate "
            "as root (the shell then drops to the sshgate-sandbox account) or use a separate "
            "sandbox target (compose.dev.yml)"
        )


def sandbox_groups(settings: Settings) -> tuple[str, ...]:
    """Groups every actor gets on top of its own: the sandbox's, while it runs."""
    return (SANDBOX_GROUP,) if settings.sandbox else ()
