"""A local process behind an asyncssh server session: on a PTY (job control, resizes and flow
control as with sshd) and supervised until it or the client goes. The sandbox's shells run on
it, and so does the in-process test SSH server (sshgate.testing.ssh).
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
from pathlib import Path
from typing import Any

import asyncssh


def kill_session(sid: int) -> None:
    # The whole session: a process group would miss interactive bash's background jobs.
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with (
            contextlib.suppress(OSError, IndexError, ValueError),
            open(f"/proc/{pid}/stat", "rb") as stat,
        ):
            if int(stat.read().rpartition(b")")[2].split()[3]) == sid:
                os.kill(int(pid), signal.SIGKILL)


async def spawn_pty(
    process: asyncssh.SSHServerProcess,
    argv: list[str],
    env: dict[str, str],
    cwd: Path,
    **identity: Any,
) -> tuple[asyncio.subprocess.Process, dict[str, Any]]:
    """Start ``argv`` on a new PTY sized as the client asked, as its session leader;
    ``identity`` (``user``, ``group``, ``extra_groups``) switches account. Returns the process
    and the streams to give ``process.redirect``."""
    master, slave = pty.openpty()
    try:
        width, height, pixwidth, pixheight = process.get_terminal_size()
        fcntl.ioctl(
            slave, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, pixwidth, pixheight)
        )
        if identity.get("user") is not None:
            os.fchown(slave, identity["user"], -1)  # the shell's tty is its own, as with sshd
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
            cwd=cwd,
            **identity,
        )
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)  # else reading the master never ends: we would hold the pty open
    # asyncssh's redirect turns the master into pipes with flow control both ways, and
    # passes window changes on as TIOCSWINSZ + SIGWINCH.
    return proc, {"stdin": master, "stdout": os.dup(master)}


async def supervise(
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
        kill_session(proc.pid)
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
        kill_session(proc.pid)
        gone.cancel()
        exited.cancel()
