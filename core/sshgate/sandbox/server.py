"""The sandbox's SSH server: asyncssh on loopback with a host key kept in the data dir and
one throwaway account whose password changes at every start."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import secrets
from pathlib import Path
from typing import Any

import asyncssh
from asyncssh.constants import EXTENDED_DATA_STDERR

from .account import RunAs
from .shell import run_session

log = logging.getLogger(__name__)

USERNAME = "sandbox"
HOST = "127.0.0.1"
HOST_KEY_FILE = "sandbox_host_ed25519_key"


def load_host_key(data_dir: Path) -> asyncssh.SSHKey:
    """The host key from the data dir, generated on first use, so the pin survives restarts."""
    path = data_dir / HOST_KEY_FILE
    if path.exists():
        return asyncssh.read_private_key(path)
    data_dir.mkdir(parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="sshgate sandbox")
    tmp = path.with_suffix(".tmp")
    tmp.touch(mode=0o600)
    tmp.write_bytes(key.export_private_key("openssh"))
    tmp.replace(path)
    log.info("sandbox: generated host key %s", path)
    return key


class _Process(asyncssh.SSHServerProcess[bytes]):
    """A session whose SFTP subsystem goes to the process handler (a separate, unprivileged
    ``sftp-server``) instead of asyncssh's SFTP server, which would run as sshgate."""

    def subsystem_requested(self, subsystem: str) -> bool:
        return subsystem == "sftp"

    def session_started(self) -> None:
        # As SSHServerStreamSession.session_started, minus its in-process SFTP branch.
        chan: Any = self._chan
        stdin: Any = asyncssh.SSHReader(self, chan)
        stdout: Any = asyncssh.SSHWriter(self, chan)
        stderr: Any = asyncssh.SSHWriter(self, chan, EXTENDED_DATA_STDERR)
        factory: Any = self._session_factory
        handler = factory(stdin, stdout, stderr)
        if inspect.isawaitable(handler):
            conn: Any = self._conn
            conn.create_task(handler, stdin.logger)


class _Server(asyncssh.SSHServer):
    def __init__(self, owner: SandboxServer) -> None:
        self._owner = owner
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._owner.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._owner.connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == USERNAME and secrets.compare_digest(password, self._owner.password)

    def session_requested(self) -> Any:
        return _Process(self._owner.handle, None, 0, False)


class SandboxServer:
    """``await start()`` listens on ``HOST:port``; ``await stop()`` ends every session."""

    def __init__(self, run_as: RunAs, host_key: asyncssh.SSHKey, port: int = 0) -> None:
        self.run_as = run_as
        self.host_key = host_key
        self.port = port
        self.password = secrets.token_urlsafe(24)
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._handlers: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        self._acceptor = await asyncssh.listen(
            host=HOST,
            port=self.port,
            server_host_keys=[self.host_key],
            server_factory=lambda: _Server(self),
            # No port forwarding: the sandbox is a shell, not a way into the host's network.
            allow_pty=True,
            agent_forwarding=False,
            x11_forwarding=False,
            encoding=None,
            line_editor=False,
            config=None,
        )
        self.port = self._acceptor.get_port()

    async def handle(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            await run_session(process, self.run_as)
        except Exception:
            log.exception("sandbox: session failed")
            with contextlib.suppress(Exception):
                process.exit(1)
        finally:
            if task is not None:
                self._handlers.discard(task)

    async def close_sessions(self) -> None:
        """End every open connection (the demo reset); the server keeps listening."""
        for conn in list(self.connections):
            conn.close()
            await conn.wait_closed()
        if self._handlers:
            _, pending = await asyncio.wait(self._handlers, timeout=10)
            for task in pending:
                task.cancel()

    async def stop(self) -> None:
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
            self._acceptor = None
        await self.close_sessions()
