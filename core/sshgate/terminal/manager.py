"""The terminal sessions of one worker: opening, limits, grace periods, idle timeout."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from quart import Quart

from ..auth.guard import auth_state
from ..track import emit
from .bridge import RemoteSession
from .bus import RedisBus
from .endings import Ending
from .events import TerminalClosed, TerminalOpened
from .roster import Roster, local_entries
from .session import TerminalSession

log = logging.getLogger(__name__)


class SessionLimit(Exception):
    """The user already has as many sessions as allowed."""


class SessionManager:
    def __init__(self, app: Quart) -> None:
        self.app = app
        self.settings = app.extensions["sshgate"].settings
        self.sessions: dict[str, TerminalSession] = {}
        self._grace: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._idle_task: asyncio.Task[None] | None = None
        self.bus: RedisBus | None = None
        self.roster = Roster(None)

    async def start(self) -> None:
        # A disabled or deleted account's shells end, detached ones included.
        auth_state(self.app).live.on_user_end(self.end_user)
        if self.settings.session_timeout:
            self._idle_task = asyncio.create_task(self._idle_loop())
        if self.settings.redis_url:
            worker = self.app.extensions["sshgate"].instance_id
            self.bus = RedisBus(self, self.settings.redis_url, worker)
            await self.bus.start()
            self.roster = Roster(self.bus)

    def count_for(self, user_id: int) -> int:
        return sum(1 for s in self.sessions.values() if s.owner_id == user_id and not s.ended)

    async def open(
        self, actor: Any, server: Any, link_factory: Any, cols: int, rows: int, term: str
    ) -> TerminalSession:
        """Connect (through ``link_factory()``), open the PTY, and register the session.

        The per-user cap counts this worker's shells and, with Redis, every worker's."""
        cap = self.settings.max_sessions_per_user
        refusal = SessionLimit(f"you already have {cap} terminal sessions")
        if self.count_for(actor.user_id) >= cap:
            raise refusal
        slot = None
        if self.bus is not None:
            slot = await self.bus.slots.reserve(actor.user_id, cap)
            if slot is None:
                raise refusal
        try:
            session = await self._open(actor, server, link_factory, cols, rows, term)
        except BaseException:
            if slot is not None and self.bus is not None:
                with contextlib.suppress(Exception):
                    await self.bus.slots.release(actor.user_id, slot)
            raise
        if slot is not None and self.bus is not None:
            await self.bus.slots.claim(actor.user_id, slot, session.id)
        await emit(TerminalOpened(target=server.name, session_id=session.id[:12]), self.app)
        return session

    async def _open(
        self, actor: Any, server: Any, link_factory: Any, cols: int, rows: int, term: str
    ) -> TerminalSession:
        link = await link_factory()
        session = TerminalSession(
            owner_id=actor.user_id,
            owner=actor.username,
            server_id=getattr(server, "id", None),
            server_name=server.name,
            encoding=getattr(server, "encoding", "utf-8") or "utf-8",
            scrollback=self.settings.terminal_scrollback,
            on_end=self._ended,
        )
        # Observers see the size and terminal type the shell is about to get.
        session.cols, session.rows, session.term = cols, rows, term
        plugins = self.app.extensions["sshgate"].plugins
        try:
            session.observers = await plugins.session_observers(session, self.app)
            await session.start(link, cols, rows, term)
        except BaseException:
            session.close_observers()  # a recording started for a shell that never opened
            await link.close()
            raise
        self.sessions[session.id] = session
        if self.bus is not None:
            await self.bus.announce(session)
        return session

    def get(self, session_id: str) -> TerminalSession | None:
        session = self.sessions.get(session_id)
        return session if session is not None and not session.ended else None

    async def get_any(self, session_id: str) -> TerminalSession | RemoteSession | None:
        """A session of this worker, or a proxy for one another worker owns."""
        local = self.get(session_id)
        if local is not None or self.bus is None:
            return local
        return await self.bus.lookup(session_id)

    async def clients_of(self, session: TerminalSession | RemoteSession) -> list[dict[str, Any]]:
        """Everyone attached to a session, on every worker (see roster.py)."""
        if self.bus is None:
            return local_entries(session)
        return await self.roster.entries(session.id)

    def kick_local(self, session_id: str, client_id: int) -> None:
        """Close a client of this worker (of a session owned here or elsewhere)."""
        session = self.get(session_id) or (self.bus.remotes.get(session_id) if self.bus else None)
        if session is None:
            return
        client = next((c for c in session.clients if c.id == client_id), None)
        if client is not None:
            session.detach(client)
            client.close(Ending.REMOVED, "removed by the session's owner")

    async def revoke_share_local(self, session_id: str, share_id: str) -> None:
        """Drop the clients that joined through a share link, here and on other workers."""
        session = self.get(session_id)
        if session is None:
            return
        for client in [c for c in session.clients if c.share_id == share_id]:
            session.detach(client)
            client.close(Ending.REMOVED, "the share link was revoked")
        if self.bus is not None:
            await self.bus.bridges.revoke(session_id, share_id)

    def attached(self, session: TerminalSession | RemoteSession) -> None:
        handle = self._grace.pop(session.id, None)
        if handle is not None:
            handle.cancel()

    def detached(self, session: TerminalSession | RemoteSession) -> None:
        """The last client left: keep the shell for the grace period, then end it."""
        if session.id not in self.sessions:
            return  # another worker's session: its owner keeps the grace period
        # Bridges count as clients: they stand for viewers on other workers.
        if session.clients or session.ended or session.id in self._grace:
            return
        grace = self.settings.terminal_grace_period
        self._grace[session.id] = asyncio.get_running_loop().call_later(
            grace, session.end, f"no client reattached within {grace:g} s"
        )

    def _ended(self, session: TerminalSession, reason: str) -> None:
        self.sessions.pop(session.id, None)
        handle = self._grace.pop(session.id, None)
        if handle is not None:
            handle.cancel()
        task = asyncio.ensure_future(self._finish(session, reason))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _finish(self, session: TerminalSession, reason: str) -> None:
        with contextlib.suppress(Exception):
            await session.link.close()
        if self.bus is not None:
            with contextlib.suppress(Exception):
                await self.bus.withdraw(session.id)
                await self.bus.slots.release(session.owner_id, session.id)
                await self.roster.drop(session.id)
        await emit(
            TerminalClosed(
                actor=session.owner,
                target=session.server_name,
                session_id=session.id[:12],
                reason=reason,
                bytes_out=session.bytes_out,
                bytes_in=session.bytes_in,
                seconds=round(time.time() - session.started, 1),
            ),
            self.app,
        )

    async def _idle_loop(self) -> None:
        timeout = self.settings.session_timeout
        while True:
            await asyncio.sleep(min(30.0, timeout / 4))
            now = time.monotonic()
            for session in list(self.sessions.values()):
                if now - session.last_activity > timeout:
                    session.end(f"idle for more than {timeout} s", Ending.IDLE)

    def end_user(self, user_id: int, reason: str) -> None:
        for session in list(self.sessions.values()):
            if session.owner_id == user_id:
                session.end(reason, Ending.NORMAL)

    async def shutdown(self) -> None:
        if self._idle_task is not None:
            self._idle_task.cancel()
        for session in list(self.sessions.values()):
            session.end("sshgate is shutting down", Ending.SHUTDOWN)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.bus is not None:
            await self.bus.stop()
