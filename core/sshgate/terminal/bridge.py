"""Sessions across workers (SHARE-2): a client on worker B drives a PTY owned by worker A.

With ``SSHGATE_REDIS_URL`` set, every worker announces its sessions in Redis and reads one
command stream of its own (``sshgate:worker:<id>``). A worker that gets a client for a
session it does not own builds a :class:`RemoteSession`, which looks like a local session
to the WebSocket code, and tells the owner to attach a :class:`BridgeClient`: an ordinary
client of the session whose queue is drained into the session's output stream
(``sshgate:term:<id>:out``) instead of a WebSocket. So output keeps its order, coalescing
and bounded memory; a bridge that falls behind is dropped like any slow viewer, and its
remote clients are told to reconnect. Input, resize, close and kicks travel back through
the owner's command stream.

A worker that dies without a word (SIGKILL, a lost host) writes no "end": each worker keeps a
heartbeat key (``sshgate:worker:<id>:alive``), and a remote side whose owner's heartbeat is
gone ends its clients as if the shell had ended, so that nobody stays attached to a ghost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any

from .clients import Client
from .endings import Ending

if TYPE_CHECKING:
    from redis.typing import EncodableT, FieldT

log = logging.getLogger(__name__)

ANNOUNCE_TTL = 30  # seconds; refreshed every ANNOUNCE_TTL / 3
STREAM_MAXLEN = 2000  # output entries kept per session stream
BRIDGE_BACKLOG = 8 * 1024 * 1024
# Seconds a worker's heartbeat lasts (an event loop stalled that long looks dead); refreshed
# every WORKER_TTL / 3.
WORKER_TTL = 10
# A quiet session's remote side wakes this often to keep its bridge and check on the owner.
IDLE_POLL_MS = 3000
OWNER_GONE = "the gateway worker running this shell stopped"
# Control messages of the session (not of one client) that remote clients get too.
FORWARDED = frozenset({"size", "clients"})


def session_key(session_id: str) -> str:
    return f"sshgate:term:{session_id}"


def out_stream(session_id: str) -> str:
    return f"sshgate:term:{session_id}:out"


def worker_stream(worker_id: str) -> str:
    return f"sshgate:worker:{worker_id}"


def alive_key(worker_id: str) -> str:
    return f"sshgate:worker:{worker_id}:alive"


class BridgeClient(Client):
    """The owner's side of a bridge: output goes to Redis, for one remote worker."""

    def __init__(self, username: str, **kwargs: Any) -> None:
        super().__init__(username, bridge=True, **kwargs)
        # Entries for the remote worker carry a gap-free sequence, per bridge: a bridge
        # rebuilt after a "bye" starts again at 0 and the old one's leftovers cannot skip it.
        self.seq = 0


class RemoteSession:
    """A session owned by another worker, with the interface ``terminal.routes.serve`` uses."""

    def __init__(self, bus: Any, session_id: str, announcement: dict[str, Any]) -> None:
        self.bus = bus
        self.id = session_id
        self.owner_worker: str = announcement["worker"]
        self.owner_id: int = announcement["owner_id"]
        self.owner: str = announcement["owner"]
        self.server_id: int | None = announcement["server_id"]
        self.server_name: str = announcement["server"]
        self.encoding: str = announcement["encoding"]
        self.cols, self.rows = announcement["cols"], announcement["rows"]
        self.clients: set[Client] = set()
        self.ended: str | None = None
        self._reader: asyncio.Task[None] | None = None
        # Input, resizes and closes must reach the owner in the order they were given:
        # one queue, one sender.
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._sender: asyncio.Task[None] | None = None

    def _spawn(self, message: dict[str, Any]) -> None:
        self._outbox.put_nowait(message)
        if self._sender is None or self._sender.done():
            self._sender = asyncio.ensure_future(self._send_all())

    async def _send_all(self) -> None:
        while not self._outbox.empty():
            await self.bus.send(self.owner_worker, self._outbox.get_nowait())

    async def command(self, kind: str, **fields: Any) -> None:
        """Queue a command for the owner, behind everything queued before it."""
        self._spawn({"kind": kind, "session": self.id, **fields})

    # The interface of TerminalSession that serve() relies on. -----------------------------

    def attach(self, client: Client) -> bytes:
        # Nothing here can pause the owner's PTY (drained() is a no-op), so every client of a
        # remote session, the owner's own views included, is bounded and dropped when too slow.
        client.steers_flow = False
        self.clients.add(client)
        if self._reader is None:
            self._reader = asyncio.ensure_future(self._read())
        return b""  # the owner sends the scrollback through the stream, in order

    def detach(self, client: Client) -> None:
        self.clients.discard(client)
        if not self.clients and self._reader is not None:
            self._reader.cancel()
            self._reader = None
            self.bus.forget_remote(self.id)
            self._spawn({"kind": "bye", "session": self.id, "worker": self.bus.worker_id})

    def drained(self, client: Client) -> None:
        """Remote viewers never hold up the owner; nothing to resume."""

    async def send_input(self, data: bytes, by: str | None = None) -> None:
        await self.command("input", data=data.decode("utf-8", "replace"), by=by)

    def resize(self, cols: int, rows: int) -> None:
        self._spawn({"kind": "resize", "session": self.id, "cols": cols, "rows": rows})

    def end(self, reason: str, ending: Ending = Ending.NORMAL) -> None:
        self._spawn({"kind": "close", "session": self.id, "reason": reason})

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "owner": self.owner,
            "server_id": self.server_id,
            "server": self.server_name,
            "cols": self.cols,
            "rows": self.rows,
            "clients": len(self.clients),
            "ended": self.ended,
            "worker": self.owner_worker,
        }

    # Reading the owner's output stream. ----------------------------------------------------

    async def _read(self) -> None:
        redis, stream = self.bus.redis, out_stream(self.id)
        # Start reading from "now", then ask the owner to attach: its scrollback comes first.
        # Never "$": between two blocking reads it would skip what arrived in between.
        newest = await redis.xrevrange(stream, count=1)
        last_id = newest[0][0] if newest else "0-0"
        await self.command("hello", worker=self.bus.worker_id)
        expected: int | None = None
        try:
            if not await self.bus.alive(self.owner_worker):
                await self._owner_gone()
                return
            while True:
                batches = await redis.xread({stream: last_id}, block=IDLE_POLL_MS, count=200)
                if not batches:
                    # Output flowing proves the owner alive; only a quiet stream asks.
                    if not await self.bus.alive(self.owner_worker):
                        await self._owner_gone()
                        return
                    await self.command("hello", worker=self.bus.worker_id)  # keep the bridge
                    continue
                for entry_id, fields in batches[0][1]:
                    last_id = entry_id
                    target = fields.get(b"for")
                    if target is not None and target != self.bus.worker_id.encode():
                        continue
                    if target is not None:
                        seq = int(fields[b"seq"])
                        if expected is not None and seq != expected:
                            # Entries were trimmed before we read them: output was lost.
                            self._end_clients(
                                Ending.BEHIND, "fell behind the shared session; reconnect"
                            )
                            return
                        expected = seq + 1
                    self._deliver(fields)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("bridge to session %s failed", self.id)
            self._end_clients(
                Ending.BROKEN, "lost the connection to the worker owning this session"
            )

    def _deliver(self, fields: dict[bytes, bytes]) -> None:
        kind = fields.get(b"kind", b"").decode()
        if kind == "data":
            for client in list(self.clients):
                if not client.feed(fields[b"data"]):
                    self.detach(client)
                    client.close(Ending.BEHIND, "fell too far behind; reconnect to resync")
        elif kind == "end":
            self.ended = fields.get(b"reason", b"").decode()
            for client in list(self.clients):
                client.control({"type": "exit", "status": None, "reason": self.ended})
            self._end_clients(_ending(fields.get(b"ending", b"")), self.ended)
        elif kind == "control":
            control = json.loads(fields[b"json"])
            if control.get("type") == "size":
                self.cols, self.rows = int(control["cols"]), int(control["rows"])
            for client in list(self.clients):
                if control["type"] != "clients" or client.user_id == self.owner_id:
                    client.control(control)
        elif kind == "revoke":
            share_id = fields.get(b"share", b"").decode()
            for client in [c for c in self.clients if c.share_id == share_id]:
                self.detach(client)
                client.close(Ending.REMOVED, "the share link was revoked")

    async def _owner_gone(self) -> None:
        # Said like an ended shell (exit, then the close): the page offers a new session. A
        # client attaching after this gets a new proxy, whose reader checks the owner again.
        self.ended = OWNER_GONE
        self._reader = None
        self.bus.forget_remote(self.id)
        for client in list(self.clients):
            client.control({"type": "exit", "status": None, "reason": OWNER_GONE})
        self._end_clients(Ending.BROKEN, OWNER_GONE)
        # The dead owner cannot free its slot under the per-user cap: do it now rather than
        # when it expires. The announcement stays until it expires, so that every reattach
        # meanwhile is told the same as above (then it is "no such session").
        with contextlib.suppress(Exception):
            await self.bus.slots.release(self.owner_id, self.id)

    def _end_clients(self, ending: Ending, reason: str) -> None:
        for client in list(self.clients):
            client.close(ending, reason)


class OwnerBridges:
    """The owner's bridges: one BridgeClient per (session, remote worker)."""

    def __init__(self, bus: Any) -> None:
        self.bus = bus
        self.bridges: dict[tuple[str, str], tuple[BridgeClient, asyncio.Task[None]]] = {}

    def hello(self, session: Any, worker: str) -> None:
        key = (session.id, worker)
        if key in self.bridges:
            return
        client = BridgeClient(f"bridge:{worker}", steers_flow=False, max_backlog=BRIDGE_BACKLOG)
        scrollback = session.attach(client)
        self.bus.manager.attached(session)
        if scrollback:
            client.feed(scrollback)
        # The remote side knows the size from the announcement, which may be older.
        client.control({"type": "size", "cols": session.cols, "rows": session.rows})
        task = asyncio.ensure_future(self._pump(session, worker, client))
        self.bridges[key] = (client, task)

    def bye(self, session_id: str, worker: str) -> None:
        entry = self.bridges.pop((session_id, worker), None)
        if entry is not None:
            entry[0].close(Ending.NORMAL, "bye")

    async def publish(
        self, session_id: str, fields: dict[str, Any], worker: str = "", bridge: Any = None
    ) -> None:
        """Append to the session's stream; entries for one worker's bridge carry its sequence."""
        if bridge is not None:
            fields = {**fields, "for": worker, "seq": bridge.seq}
            bridge.seq += 1
        await self.bus.redis.xadd(
            out_stream(session_id), fields, maxlen=STREAM_MAXLEN, approximate=True
        )

    async def _pump(self, session: Any, worker: str, client: BridgeClient) -> None:
        try:
            while True:
                await client.wait()
                data = client.take()
                if data:
                    await self.publish(session.id, {"kind": "data", "data": data}, worker, client)
                    session.drained(client)
                    continue
                if client.closed_reason is not None:
                    ending, reason = client.closed_reason
                    if reason != "bye":
                        fields = {"kind": "end", "ending": ending.value, "reason": reason}
                        await self.publish(session.id, fields, worker, client)
                    return
                while client.controls:  # the remote clients' own controls stay there
                    control = client.controls.popleft()
                    if control.get("type") in FORWARDED:
                        fields = {"kind": "control", "json": json.dumps(control)}
                        await self.publish(session.id, fields, worker, client)
        finally:
            session.detach(client)
            # A "bye" then "hello" may already have put a new bridge under this key.
            if self.bridges.get((session.id, worker), (None,))[0] is client:
                del self.bridges[(session.id, worker)]
            self.bus.manager.detached(session)

    async def revoke(self, session_id: str, share_id: str) -> None:
        with contextlib.suppress(Exception):
            await self.publish(session_id, {"kind": "revoke", "share": share_id})


def _ending(raw: bytes) -> Ending:
    try:
        return Ending(raw.decode())
    except ValueError:  # a worker of another version: close normally
        return Ending.NORMAL


def encode_command(message: dict[str, Any]) -> dict[FieldT, EncodableT]:
    return {"json": json.dumps(message)}


def decode_command(fields: dict[bytes, bytes]) -> dict[str, Any]:
    return json.loads(fields[b"json"])
