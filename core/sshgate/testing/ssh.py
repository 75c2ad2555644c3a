"""An in-process asyncssh server for tests: real bash on a real PTY, SFTP, jump-host forwarding.

Clients must not read the user's ~/.ssh or agent: ``server.client_options()``/``connect()``
pass ``known_hosts``, ``client_keys=None`` (asyncssh loads ~/.ssh keys for ``()`` *and*
``[]``), ``agent_path=None`` and ``config=None``.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import tempfile
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import asyncssh
import pytest

from ..sandbox.processes import spawn_pty, supervise

TEST_USER = "tester"
TEST_PASSWORD = "tester-password-1"
PROMPT = "sshgate-test$ "  # PS1 of the default shell, so terminal tests can wait for it
BASH = "/bin/bash"
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass
class UserSpec:
    password: str | None = None
    authorized_keys: list[asyncssh.SSHKey | str] = field(default_factory=list)


class _Server(asyncssh.SSHServer):
    def __init__(self, owner: SSHTestServer) -> None:
        self._owner = owner

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._owner._connections.add(conn)  # a WeakSet: closed connections just fall out

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return self._owner.users.get(username, UserSpec()).password == password

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        # asyncssh checks the client's signature itself once this says the key is acceptable;
        # public_data is the public key blob, of private and public key objects alike.
        keys = self._owner.users.get(username, UserSpec()).authorized_keys
        return any(
            (asyncssh.import_public_key(k) if isinstance(k, str) else k).public_data
            == key.public_data
            for k in keys
        )

    def connection_requested(
        self, dest_host: str, dest_port: int, orig_host: str, orig_port: int
    ) -> bool:
        # direct-tcpip, i.e. use as a jump host; loopback only so no test can reach further.
        return dest_host in _LOOPBACK


class SSHTestServer:
    """An asyncssh server on 127.0.0.1:<free port>; ``async with SSHTestServer(...)``.
    Without ``users`` it has user ``tester`` with TEST_PASSWORD."""

    def __init__(
        self,
        users: dict[str, UserSpec] | None = None,
        *,
        sftp_root: Path | None = None,
        home: Path | None = None,
        process_factory: Callable[[asyncssh.SSHServerProcess], Awaitable[None]] | None = None,
        host_key: asyncssh.SSHKey | None = None,
        **listen_options: Any,
    ) -> None:
        """``listen_options`` go to asyncssh.listen(): ``encoding="utf-8"`` gives str streams."""
        self.host = "127.0.0.1"
        self.port = 0
        self.users = dict(
            users if users is not None else {TEST_USER: UserSpec(password=TEST_PASSWORD)}
        )
        self.sftp_root = sftp_root
        self.home = home or sftp_root
        self.host_key: asyncssh.SSHKey = host_key or asyncssh.generate_private_key("ssh-ed25519")
        self.client_key: asyncssh.SSHKey | None = None  # set by the ssh_server fixture
        self._process_factory = process_factory
        self._listen_options = listen_options
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._connections: weakref.WeakSet[asyncssh.SSHServerConnection] = weakref.WeakSet()
        self._handlers: set[asyncio.Task[Any]] = set()
        self._tmp_home: str | None = None

    @property
    def host_key_public(self) -> asyncssh.SSHKey:
        return self.host_key.convert_to_public()

    @property
    def fingerprint(self) -> str:
        return self.host_key.get_fingerprint("sha256")  # "SHA256:..." as ssh-keygen -l shows

    def known_hosts(self) -> asyncssh.SSHKnownHosts:
        line = self.host_key_public.export_public_key("openssh").decode()
        return asyncssh.import_known_hosts(f"[{self.host}]:{self.port} {line}")

    def client_options(self, **overrides: Any) -> dict[str, Any]:
        """Connection options that trust this server and nothing from the user's ~/.ssh."""
        return {
            "host": self.host,
            "port": self.port,
            "username": TEST_USER,
            "known_hosts": self.known_hosts(),
            "client_keys": None,
            "agent_path": None,
            "config": None,
            **overrides,
        }

    async def connect(self, **overrides: Any) -> asyncssh.SSHClientConnection:
        return await asyncssh.connect(**self.client_options(**overrides))

    def authorized_client_key(self, username: str = TEST_USER) -> asyncssh.SSHKey:
        """A fresh authorised key; ``.export_private_key("openssh", passphrase)`` encrypts."""
        key = asyncssh.generate_private_key("ssh-ed25519")
        self.users.setdefault(username, UserSpec()).authorized_keys.append(key.convert_to_public())
        return key

    def replace_host_key(self, key: asyncssh.SSHKey | None = None) -> asyncssh.SSHKey:
        """Present another host key to new connections (a "changed host key"), same port."""
        self.host_key = key or asyncssh.generate_private_key("ssh-ed25519")
        if self._acceptor is not None:
            self._acceptor.update(server_host_keys=[self.host_key])
        return self.host_key

    async def start(self) -> SSHTestServer:
        if self.home is None:
            self._tmp_home = tempfile.mkdtemp(prefix="sshgate-home-")
            self.home = Path(self._tmp_home)
        sftp_factory: Any = True
        if self.sftp_root is not None:
            chroot = os.fsencode(self.sftp_root)
            sftp_factory = lambda chan: asyncssh.SFTPServer(chan, chroot=chroot)  # noqa: E731
        options: dict[str, Any] = {
            "server_host_keys": [self.host_key],
            "server_factory": lambda: _Server(self),
            "process_factory": self._handle,
            "sftp_factory": sftp_factory,
            "allow_scp": True,
            # asyncssh's line editor would echo and buffer input in place of the real tty.
            "encoding": None,
            "line_editor": False,
            "config": None,
        }
        options.update(self._listen_options)
        self._acceptor = await asyncssh.listen(host=self.host, port=0, **options)
        self.port = self._acceptor.get_port()
        return self

    async def stop(self) -> None:
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
            self._acceptor = None
        for conn in list(self._connections):
            conn.close()
            await conn.wait_closed()
        if self._handlers:  # shells end with their channel; scripted handlers may need a cancel
            _, pending = await asyncio.wait(self._handlers, timeout=5)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._tmp_home is not None:
            shutil.rmtree(self._tmp_home, ignore_errors=True)
            self.home = self._tmp_home = None

    async def __aenter__(self) -> SSHTestServer:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _handle(self, process: asyncssh.SSHServerProcess) -> None:
        task = asyncio.current_task()
        assert task is not None  # asyncssh runs each process handler in a task of its own
        self._handlers.add(task)
        try:
            await (
                self._process_factory
                or functools.partial(_shell_session, home=cast(Path, self.home))
            )(process)
        finally:
            self._handlers.discard(task)


async def _shell_session(process: asyncssh.SSHServerProcess, home: Path) -> None:
    """The default session: bash on a PTY if the client asked for one, else on pipes."""
    if process.subsystem is not None:
        process.exit(1)
        return
    term = process.get_terminal_type()
    user = process.get_extra_info("username") or TEST_USER
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "USER": user,
        "LOGNAME": user,
        "SHELL": BASH,
        "LANG": "C.UTF-8",
        "PS1": PROMPT,
        **{os.fsdecode(k): os.fsdecode(v) for k, v in process.env.items()},
    }
    argv = (
        [BASH, "-c", os.fsdecode(process.command)]
        if process.command is not None
        else [BASH, "--noprofile", "--norc"] + (["-i"] if term is not None else [])
    )
    if term is not None:
        proc, streams = await spawn_pty(process, argv, {**env, "TERM": os.fsdecode(term)}, home)
    else:
        pipe = asyncio.subprocess.PIPE
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=pipe, stdout=pipe, stderr=pipe, env=env, cwd=home, start_new_session=True
        )
        streams = {"stdin": proc.stdin, "stdout": proc.stdout, "stderr": proc.stderr}
    await supervise(process, proc, streams)


@pytest.fixture
async def ssh_server(tmp_path: Path) -> AsyncIterator[SSHTestServer]:
    """User ``tester`` (TEST_PASSWORD, ``.client_key``); SFTP root and HOME tmp_path/sftp."""
    root = tmp_path / "sftp"
    root.mkdir()
    async with SSHTestServer(sftp_root=root) as server:
        server.client_key = server.authorized_client_key(TEST_USER)
        yield server


@pytest.fixture
async def ssh_server_factory() -> AsyncIterator[Callable[..., Awaitable[SSHTestServer]]]:
    """``await ssh_server_factory(**SSHTestServer options)``; all are stopped at teardown."""
    servers: list[SSHTestServer] = []

    async def start(users: dict[str, UserSpec] | None = None, **options: Any) -> SSHTestServer:
        servers.append(SSHTestServer(users, **options))
        return await servers[-1].start()

    try:
        yield start
    finally:
        for server in reversed(servers):
            await server.stop()
