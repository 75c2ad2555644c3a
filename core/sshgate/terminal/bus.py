"""The Redis side of cross-worker sessions: announcements and each worker's command stream.

Without ``SSHGATE_REDIS_URL`` there is no bus and one process does everything in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any, cast

from .bridge import (
    ANNOUNCE_TTL,
    WORKER_TTL,
    OwnerBridges,
    RemoteSession,
    alive_key,
    decode_command,
    encode_command,
    session_key,
    worker_stream,
)
from .slots import SessionSlots

log = logging.getLogger(__name__)
COMMAND_MAXLEN = 10_000
# What XREAD answers over RESP2 (redis-py's default protocol, without decode_responses):
# [[stream, [(entry id, fields), ...]], ...]. The stubs also allow RESP3's dict shape.
XReadBatches = list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]]


class RedisBus:
    def __init__(self, manager: Any, url: str, worker_id: str) -> None:
        import redis.asyncio as redis

        self.manager = manager
        # Blocking stream reads wait up to 10 s: no client-side read timeout under them.
        self.redis = redis.from_url(url, socket_timeout=None, socket_connect_timeout=5)
        self.worker_id = worker_id
        self.bridges = OwnerBridges(self)
        self.remotes: dict[str, RemoteSession] = {}
        self.slots = SessionSlots(self.redis)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self.redis.ping()
        await self._beat()
        self._tasks = [
            asyncio.create_task(self._announce_loop()),
            asyncio.create_task(self._command_loop()),
            asyncio.create_task(self._heartbeat_loop()),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await self.redis.delete(worker_stream(self.worker_id), alive_key(self.worker_id))
        await self.redis.aclose()

    # Liveness ------------------------------------------------------------------------------

    async def _beat(self) -> None:
        await self.redis.set(alive_key(self.worker_id), b"1", ex=WORKER_TTL)

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(WORKER_TTL / 3)
            try:
                await self._beat()
            except Exception as exc:  # Redis is down: the other workers see us gone meanwhile
                log.warning("could not refresh this worker's heartbeat: %s", exc)

    async def alive(self, worker_id: str) -> bool:
        """Whether ``worker_id``'s heartbeat is fresh (this worker always is)."""
        if worker_id == self.worker_id:
            return True
        return bool(await self.redis.exists(alive_key(worker_id)))

    # Announcements -------------------------------------------------------------------------

    def _announcement(self, session: Any) -> str:
        return json.dumps(
            {
                "worker": self.worker_id,
                "owner_id": session.owner_id,
                "owner": session.owner,
                "server_id": session.server_id,
                "server": session.server_name,
                "encoding": session.encoding,
                "cols": session.cols,
                "rows": session.rows,
                "started": session.started,
            }
        )

    async def announce(self, session: Any) -> None:
        await self.redis.set(session_key(session.id), self._announcement(session), ex=ANNOUNCE_TTL)

    async def withdraw(self, session_id: str) -> None:
        await self.redis.delete(session_key(session_id))

    async def _announce_loop(self) -> None:
        while True:
            await asyncio.sleep(ANNOUNCE_TTL / 3)
            sessions = list(self.manager.sessions.values())
            if sessions:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for session in sessions:
                        pipe.set(
                            session_key(session.id), self._announcement(session), ex=ANNOUNCE_TTL
                        )
                    await pipe.execute()
                await self.slots.refresh(sessions)

    async def lookup(self, session_id: str) -> RemoteSession | None:
        """A proxy for a session another worker owns, or None."""
        remote = self.remotes.get(session_id)
        if remote is not None:
            return remote
        raw = await self.redis.get(session_key(session_id))
        if raw is None:
            return None
        announcement = json.loads(raw)
        if announcement["worker"] == self.worker_id:
            return None  # ours, and already ended
        remote = self.remotes[session_id] = RemoteSession(self, session_id, announcement)
        return remote

    def forget_remote(self, session_id: str) -> None:
        self.remotes.pop(session_id, None)

    async def all_sessions(self) -> list[dict[str, Any]]:
        """Every announced session, on any worker."""
        found = []
        async for key in self.redis.scan_iter(match="sshgate:term:*", count=500):
            if key.count(b":") != 2:
                continue  # an output stream, not an announcement
            raw = await self.redis.get(key)
            if raw:
                found.append({"id": key.decode().rsplit(":", 1)[1], **json.loads(raw)})
        return found

    # Commands ------------------------------------------------------------------------------

    async def send(self, worker: str, message: dict[str, Any]) -> None:
        await self.redis.xadd(
            worker_stream(worker), encode_command(message), maxlen=COMMAND_MAXLEN, approximate=True
        )

    async def _command_loop(self) -> None:
        # The stream is this worker's alone and new with it: read it from the start ("$" would
        # skip whatever arrives between two blocking reads).
        stream = worker_stream(self.worker_id)
        last_id: bytes | str = "0-0"
        while True:
            try:
                batches = cast(
                    XReadBatches,
                    await self.redis.xread({stream: last_id}, block=5000, count=100),
                )
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reading the command stream failed; retrying")
                await asyncio.sleep(1)
                continue
            for entry_id, fields in batches[0][1] if batches else []:
                last_id = entry_id
                try:
                    await self._handle(decode_command(fields))
                except Exception:
                    log.exception("bad cross-worker command")

    async def _handle(self, command: dict[str, Any]) -> None:
        session = self.manager.get(command["session"])
        kind = command["kind"]
        if kind == "revoke":
            await self.manager.revoke_share_local(command["session"], command["share"])
            return
        if kind == "kick":  # a client of this worker, of a session owned here or elsewhere
            self.manager.kick_local(command["session"], int(command["client"]))
            return
        if session is None:
            return
        if kind == "hello":
            self.bridges.hello(session, command["worker"])
        elif kind == "bye":
            self.bridges.bye(session.id, command["worker"])
        elif kind == "input":
            await session.send_input(command["data"].encode(), by=command.get("by"))
        elif kind == "roster":
            session.clients_changed()
            if "event" in command:
                session.participant(command["event"], command["user"], command["mode"])
        elif kind == "resize":
            session.resize(int(command["cols"]), int(command["rows"]))
        elif kind == "close":
            session.end(str(command.get("reason", "closed")))
