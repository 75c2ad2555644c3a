"""The processes of a sandbox SSH session: bash on a PTY (or on pipes for a command), and
OpenSSH's ``sftp-server`` for the SFTP subsystem, each started as the sandbox account.

Starting SFTP as a separate process (rather than asyncssh's in-process SFTP server) is what
lets it run unprivileged: asyncssh's server would read and write files as sshgate's user.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import shutil
import signal
import struct
import termios
from typing import Any

import asyncssh

from .account import RunAs

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


def _kill_session(sid: int) -> None:
    # The whole session: a process group would miss interactive bash's background jobs.
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with (
            contextlib.suppress(OSError, IndexError, ValueError),
            open(f"/proc/{pid}/stat", "rb") as stat,
        ):
            if int(stat.read().rpartition(b")")[2].split()[3]) == sid:
                os.kill(int(pid), signal.SIGKILL)


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
        proc, streams = await _spawn_pty(process, argv, env, run_as)
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
    await _supervise(process, proc, streams)


async def _spawn_pty(
    process: asyncssh.SSHServerProcess, argv: list[str], env: dict[str, str], run_as: RunAs
) -> tuple[asyncio.subprocess.Process, dict[str, Any]]:
    master, slave = pty.openpty()
    try:
        width, height, pixwidth, pixheight = process.get_terminal_size()
        fcntl.ioctl(
            slave, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, pixwidth, pixheight)
        )
        if run_as.uid is not None:
            os.fchown(slave, run_as.uid, -1)  # the shell's tty is its own, as with sshd
        # `setsid --ctty` makes the pty the controlling terminal of a new session, as sshd
        # does: without it bash has no job control and ^C sends no SIGINT.
        proc = await asyncio.create_subprocess_exec(
            shutil.which("setsid") or "/usr/bin/setsid",
            "--ctty",
            *argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=run_as.home,
            **_identity(run_as),
        )
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)  # else reading the master never ends: we would hold the pty open
    # asyncssh's redirect turns the master into pipes with flow control both ways, and
    # passes window changes on as TIOCSWINSZ + SIGWINCH.
    return proc, {"stdin": master, "stdout": os.dup(master)}


async def _supervise(
    process: asyncssh.SSHServerProcess, proc: asyncio.subprocess.Process, streams: dict[str, Any]
) -> None:
    """Connect the process, wait for it or the client to go, end the session, report status."""
    exited = asyncio.ensure_future(proc.wait())
    gone = asyncio.ensure_future(process.channel.wait_closed())
    try:
        # send_eof=False: SSH's EOF is per channel, so stdout's EOF would cut off stderr.
        await process.redirect(**streams, send_eof=False)
        process.set_redirect_pid(proc.pid)
        await asyncio.wait({exited, gone}, return_when=asyncio.FIRST_COMPLETED)
        # A vanished client must not leave background jobs running in the sandbox.
        _kill_session(proc.pid)
        status = await exited
        flushed: asyncio.Future[Any] = asyncio.gather(
            process.stdout.drain(), process.stderr.drain(), return_exceptions=True
        )
        await asyncio.wait({flushed, gone}, return_when=asyncio.FIRST_COMPLETED)
        flushed.cancel()
        if not process.is_closing():
            process.channel.write_eof()
            if status >= 0:
                process.exit(status)
            else:
                process.exit_with_signal(signal.Signals(-status).name.removeprefix("SIG"))
        await process.wait_closed()
    finally:
        _kill_session(proc.pid)
        gone.cancel()
        exited.cancel()
