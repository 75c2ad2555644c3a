"""A terminal session: one SSH connection and PTY, independent of any WebSocket.

Output path (hot): asyncssh calls ``data_received`` -> scrollback ring -> observers (called
directly, never through pluggy) -> each client's bounded queue. A client above its high
watermark pauses reading the channel; SSH flow control then pauses the remote program.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

import asyncssh

from ..contract import SessionObserver
from ..plugins import plugin_failed
from .clients import Client
from .endings import Ending
from .ring import RingBuffer

log = logging.getLogger(__name__)
# Pastes are cut into pieces no bigger than one SSH packet, written as the window allows.
INPUT_CHUNK = 16 * 1024


class _ChannelSide(asyncssh.SSHClientSession[bytes]):
    """asyncssh's callbacks, forwarded to the session without extra work."""

    def __init__(self, session: TerminalSession) -> None:
        self._session = session

    def data_received(self, data: bytes, datatype: Any) -> None:
        self._session._output(data)

    def exit_status_received(self, status: int) -> None:
        self._session.exit_status = status

    def connection_lost(self, exc: Exception | None) -> None:
        self._session._channel_closed(exc)

    def pause_writing(self) -> None:
        self._session._writable.clear()

    def resume_writing(self) -> None:
        self._session._writable.set()


class TerminalSession:
    def __init__(
        self,
        *,
        owner_id: int,
        owner: str,
        server_id: int | None,
        server_name: str,
        encoding: str = "utf-8",
        scrollback: int = 1024 * 1024,
        on_end: Callable[[TerminalSession, str], None] | None = None,
    ) -> None:
        self.id = secrets.token_urlsafe(18)
        self.owner_id = owner_id
        self.owner = owner
        self.server_id = server_id
        self.server_name = server_name
        self.encoding = encoding
        self.ring = RingBuffer(scrollback)
        self.clients: set[Client] = set()
        # (plugin name, observer) from the session_observers hook; see _notify.
        self.observers: list[tuple[str, SessionObserver]] = []
        self.cols, self.rows = 80, 24
        self.term = "xterm-256color"
        self.started = time.time()
        self.last_activity = time.monotonic()
        self.bytes_out = self.bytes_in = 0
        self.exit_status: int | None = None
        self.ended: str | None = None
        self.link: Any = None
        self._channel: asyncssh.SSHClientChannel[bytes] | None = None
        self._paused = False
        self._writable = asyncio.Event()
        self._writable.set()
        self._write_lock = asyncio.Lock()
        self._on_end = on_end

    async def start(self, link: Any, cols: int, rows: int, term: str = "xterm-256color") -> None:
        """Open the PTY and a login shell on ``link.conn`` (an asyncssh connection)."""
        self.link = link
        self.cols, self.rows, self.term = cols, rows, term
        self._channel, _ = await link.conn.create_session(
            lambda: _ChannelSide(self),
            term_type=term,
            term_size=(cols, rows),
            encoding=None,
        )

    # Output ------------------------------------------------------------------------------

    def _output(self, data: bytes) -> None:
        self.bytes_out += len(data)
        self.last_activity = time.monotonic()
        self.ring.append(data)
        if self.observers:
            self._notify("data_received", data, "output")
        for client in list(self.clients):
            if not client.feed(data):
                self.detach(client)
                client.close(Ending.BEHIND, "fell too far behind; reconnect to resync")
            elif client.steers_flow and client.above_high and not self._paused:
                self._paused = True
                if self._channel is not None:
                    self._channel.pause_reading()

    def drained(self, client: Client) -> None:
        """A client's queue shrank: resume reading once every steering client caught up."""
        if self._paused and all(c.below_low for c in self.clients if c.steers_flow):
            self._paused = False
            if self._channel is not None:
                self._channel.resume_reading()

    def _notify(self, method: str, *args: Any) -> None:
        """Call one method of every observer. An observer that raises is reported like any
        plugin failure and dropped: the shell goes on, without that observer."""
        for plugin, observer in list(self.observers):
            call = getattr(observer, method, None)  # every method is optional
            if call is None:
                continue
            try:
                call(*args)
            except Exception:
                plugin_failed(plugin, f"session observer {type(observer).__name__}.{method}")
                self.observers = [o for o in self.observers if o[1] is not observer]

    # Clients -----------------------------------------------------------------------------

    def attach(self, client: Client) -> bytes:
        """Add a client; returns the scrollback it should show first."""
        self.clients.add(client)
        return self.ring.snapshot()

    def clients_changed(self, joined: Client | None = None) -> None:
        """Someone attached or left (here or on another worker): tell the owner's views to
        re-read the list (``GET .../shares``). Bridges pass it on to the owner's views on
        other workers (bridge.py). Not while ending: every client leaves then, and the
        list is gone."""
        if self.ended:
            return
        for client in list(self.clients):
            if client is not joined and (client.user_id == self.owner_id or client.bridge):
                client.control({"type": "clients"})

    def participant(self, event: str, username: str, mode: str) -> None:
        """A view ``joined`` or ``left`` (on this worker or another): tell the observers."""
        if self.observers and event in ("joined", "left"):
            self._notify(event, username, mode)

    def detach(self, client: Client) -> None:
        self.clients.discard(client)
        self.drained(client)

    # Input and control -------------------------------------------------------------------

    async def send_input(self, data: bytes, by: str | None = None) -> None:
        """Write keystrokes or a paste, in order, as fast as the SSH window allows; ``by`` is
        who typed it (observers' ``typed``), the owner when not said."""
        if self.ended or self._channel is None:
            return
        if self.encoding != "utf-8":
            data = data.decode("utf-8", "replace").encode(self.encoding, "replace")
        self.last_activity = time.monotonic()
        async with self._write_lock:
            for start in range(0, len(data), INPUT_CHUNK):
                await self._writable.wait()
                if self.ended:
                    return
                self._channel.write(data[start : start + INPUT_CHUNK])
        self.bytes_in += len(data)
        if self.observers:
            self._notify("data_received", data, "input")
            self._notify("typed", data, by or self.owner)

    def resize(self, cols: int, rows: int) -> None:
        if (cols, rows) == (self.cols, self.rows) or self._channel is None or self.ended:
            return
        self.cols, self.rows = cols, rows
        self._channel.change_terminal_size(cols, rows)
        # Joiners and watchers draw the shell at the owner's size, not their window's.
        for client in list(self.clients):
            client.control({"type": "size", "cols": cols, "rows": rows})
        self._notify("resized", cols, rows)

    # Ending ------------------------------------------------------------------------------

    def _channel_closed(self, exc: Exception | None) -> None:
        if self.exit_status is not None:
            reason = f"the shell exited with status {self.exit_status}"
        else:
            reason = f"the connection was lost: {exc}" if exc else "the shell ended"
        self.end(reason)

    def end(self, reason: str, ending: Ending = Ending.NORMAL) -> None:
        """End the session once: close the channel and link, tell clients and observers."""
        if self.ended:
            return
        self.ended = reason
        if self._channel is not None:
            self._channel.close()
        notice = f"\r\n\x1b[2m[sshgate: session closed: {reason}]\x1b[0m\r\n".encode()
        for client in list(self.clients):
            client.feed(notice)
            client.control({"type": "exit", "status": self.exit_status, "reason": reason})
            client.close(ending, reason)
        self.close_observers()
        if self._on_end is not None:
            self._on_end(self, reason)

    def close_observers(self) -> None:
        """Tell the observers the session is over (once), then let them go."""
        self._notify("closed")
        self.observers = []

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "owner": self.owner,
            "server_id": self.server_id,
            "server": self.server_name,
            "started": self.started,
            "cols": self.cols,
            "rows": self.rows,
            "bytes_out": self.bytes_out,
            "bytes_in": self.bytes_in,
            "clients": len(self.clients),
            "ended": self.ended,
        }
