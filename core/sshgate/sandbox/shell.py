"""The processes of a sandbox SSH session: bash on a PTY (or on pipes for a command), and
OpenSSH's ``sftp-server`` for the SFTP subsystem, each started as the sandbox account.

Starting SFTP as a separate process (rather than asyncssh's in-process SFTP server) is what
lets it run unprivileged: asyncssh's server would read and write files as sshgate's user.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import asyncssh

from .account import RunAs
from .processes import spawn_pty, supervise

BASH = "/bin/bash"
PROMPT = r"\u@sandbox:\w\$ "
SFTP_SERVERS = (
    "/usr/lib/openssh/sftp-server",
    "/usr/libexec/openssh/sftp-server",
    "/usr/libexec/sftp-server",
    "/usr/lib/ssh/sftp-server",
)


def sftp_server_binary() -> str | None:
    return next((path for path in SFTP_SERVERS if os.access(path, os.X_OK)), None)


def _identity(run_as: RunAs) -> dict[str, Any]:
    """subprocess arguments that switch to the account (and drop root's groups)."""
    if not run_as.drops_privileges:
        return {}
    return {"user": run_as.uid, "group": run_as.gid, "extra_groups": []}


def _environment(run_as: RunAs, process: asyncssh.SSHServerProcess) -> dict[str, str]:
    # Built from nothing: sshgate's own environment holds its secret key.
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(run_as.home),
        "USER": run_as.name,
        "LOGNAME": run_as.name,
        "SHELL": BASH,
        "LANG": "C.UTF-8",
        "PS1": PROMPT,
    }
    term = process.get_terminal_type()
    if term:
        env["TERM"] = term
    return env


async def run_session(process: asyncssh.SSHServerProcess, run_as: RunAs) -> None:
    """Serve one session channel: SFTP, a command, or an interactive shell."""
    home = run_as.home
    if process.subsystem is not None:
        binary = sftp_server_binary() if process.subsystem == "sftp" else None
        if binary is None:
            process.exit(1)
            return
        argv = [binary, "-d", str(home)]
    elif process.command is not None:
        argv = [BASH, "-c", process.command]
    else:
        argv = [BASH, "--noprofile", "--norc", "-i"]
    env = _environment(run_as, process)
    if process.get_terminal_type() is not None and process.subsystem is None:
        proc, streams = await spawn_pty(process, argv, env, run_as.home, **_identity(run_as))
    else:
        pipe = asyncio.subprocess.PIPE
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=pipe,
            stdout=pipe,
            stderr=pipe,
            env=env,
            cwd=home,
            start_new_session=True,
            **_identity(run_as),
        )
        streams = {"stdin": proc.stdin, "stdout": proc.stdout, "stderr": proc.stderr}
    await supervise(process, proc, streams)
