"""The SFTP connection pool (SFTP-6): one SFTP session per (user, server), shared by all of
that user's requests to that server, closed after ``idle_timeout`` seconds without use.

A session is retired (closed once its last request finishes) when the server's
``credentials_changed_at`` or encoding no longer matches what it was opened with, or its
SSH connection is gone; the next request opens a fresh one. Authorization is not cached
here: every request still goes through ``server_for`` before it gets a session.
State lives in ``app.extensions["sshgate_sftp"]``, started and stopped by the plugin's
``startup``/``shutdown`` hooks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncssh
from quart import Quart

from sshgate.api import ApiError, ConnectFailed, ServerInfo, SSHLink, open_connection

from .paths import Resolver, resolve_roots

log = logging.getLogger(__name__)
EXTENSION = "sshgate_sftp"
# Errors after which the session cannot be trusted any more.
LOST = (asyncssh.SFTPConnectionLost, asyncssh.DisconnectError, ConnectionError)

Key = tuple[int, int]


@dataclass(eq=False)
class Session:
    key: Key
    link: SSHLink
    sftp: asyncssh.SFTPClient
    stamp: datetime
    encoding: str
    home: str
    last_used: float = field(default_factory=time.monotonic)
    busy: int = 0
    retired: bool = False
    _roots: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)

    @property
    def alive(self) -> bool:
        return not self.retired and not self.link.conn.is_closed()

    async def resolver(self, server: ServerInfo) -> Resolver:
        allowed = server.sftp_allowed_paths
        if allowed not in self._roots:
            self._roots[allowed] = await resolve_roots(self.sftp, allowed)
        return Resolver(self.sftp, self.home, self._roots[allowed])

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.sftp.exit()
            await asyncio.wait_for(self.sftp.wait_closed(), 5)
        with contextlib.suppress(Exception):
            await self.link.close()


class Pool:
    def __init__(self, app: Quart, idle_timeout: float) -> None:
        self.app = app
        self.idle_timeout = idle_timeout
        self._sessions: dict[Key, Session] = {}
        self._locks: dict[Key, asyncio.Lock] = {}
        self._closing: set[asyncio.Task[None]] = set()
        self._reaper: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._sessions)

    async def start(self) -> None:
        self._reaper = asyncio.create_task(self._reap_forever())

    async def close(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            await asyncio.gather(self._reaper, return_exceptions=True)
        sessions, self._sessions = list(self._sessions.values()), {}
        await asyncio.gather(*(s.close() for s in sessions), *self._closing)

    async def acquire(self, actor: Any, server: ServerInfo) -> Session:
        """A live session for ``actor`` on ``server``, marked busy until :meth:`release`."""
        key = (actor.user_id, server.id)
        async with self._locks.setdefault(key, asyncio.Lock()):
            session = self._sessions.get(key)
            if session is not None and not (
                session.alive
                and session.stamp == server.credentials_changed_at
                and session.encoding == server.encoding
            ):
                self._retire(session)
                session = None
            if session is None:
                session = await self._open(key, actor, server)
                self._sessions[key] = session
            session.busy += 1
            return session

    def release(self, session: Session) -> None:
        session.busy -= 1
        session.last_used = time.monotonic()
        if not session.alive:
            self._retire(session)

    def _retire(self, session: Session) -> None:
        session.retired = True
        if self._sessions.get(session.key) is session:
            del self._sessions[session.key]
        if session.busy == 0:
            task = asyncio.create_task(session.close())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        # A busy one is closed by the release() of its last user (alive is False now).

    async def _open(self, key: Key, actor: Any, server: ServerInfo) -> Session:
        try:
            link = await open_connection(self.app, server.id, actor, purpose="sftp")
        except ConnectFailed as exc:
            diagnosis = exc.diagnosis
            raise ApiError(
                502, "connect_failed", diagnosis.message, {"diagnosis": diagnosis.to_json()}
            ) from None
        try:
            # Names the server sends that are not valid in its encoding must not break a
            # whole listing: surrogateescape keeps them; paths.clean refuses them as input.
            sftp = await link.conn.start_sftp_client(
                path_encoding=server.encoding, path_errors="surrogateescape"
            )
            home = str(await sftp.realpath("."))
        except (asyncssh.Error, OSError) as exc:
            await link.close()
            raise ApiError(
                502, "sftp_unavailable", f"the SFTP subsystem of {server.name} refused: {exc}"
            ) from None
        return Session(key, link, sftp, server.credentials_changed_at, server.encoding, home)

    async def _reap_forever(self) -> None:
        interval = min(30.0, self.idle_timeout / 2)
        while True:
            await asyncio.sleep(interval)
            self.reap()

    def reap(self) -> None:
        """Close sessions idle for longer than the timeout (or whose connection died)."""
        now = time.monotonic()
        for session in list(self._sessions.values()):
            idle = session.busy == 0 and now - session.last_used > self.idle_timeout
            if idle or not session.alive:
                self._retire(session)


def pool(app: Quart) -> Pool:
    try:
        return app.extensions[EXTENSION]
    except KeyError:
        raise RuntimeError("the sftp plugin was not started (startup hook)") from None
