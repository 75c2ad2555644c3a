"""Interactive terminals, one class per system, behind one small interface.

Every terminal is an interactive login shell on the benchmark sshd's PTY: the command is
typed, the output is read until an end marker shows, exactly what a person at a browser tab
(or at ``ssh -tt``) does. ``read()`` returns the next chunk of terminal bytes, ``b""`` once
the session is over.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncssh
import websockets
from websockets.asyncio.client import ClientConnection


class Terminal(Protocol):
    async def write(self, data: bytes) -> None: ...

    async def read(self) -> bytes: ...

    async def close(self) -> None: ...


class Closed(Exception):
    """The terminal ended before the marker showed up."""


def ws_options(deflate: bool) -> dict[str, Any]:
    """websockets client options: ``compression="deflate"`` offers permessage-deflate, as
    every browser does; ``None`` offers nothing (the 'deflate off' rows)."""
    return {
        "compression": "deflate" if deflate else None,
        "max_size": None,
        "close_timeout": 2,
        "open_timeout": 60,
        "ping_interval": None,
        "proxy": None,
    }


def negotiated_deflate(ws: ClientConnection) -> bool:
    return any("deflate" in type(ext).__name__.lower() for ext in ws.protocol.extensions)


# ---------------------------------------------------------------------------------------------
# Raw references
# ---------------------------------------------------------------------------------------------


@dataclass
class OpenSSHTerm:
    """The OpenSSH client, ``ssh -tt`` with pipes (it forces the remote PTY)."""

    proc: asyncio.subprocess.Process

    @classmethod
    async def open(cls, argv: list[str]) -> OpenSSHTerm:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            limit=1 << 20,
        )
        return cls(proc)

    async def write(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        await self.proc.stdin.drain()

    async def read(self) -> bytes:
        assert self.proc.stdout is not None
        return await self.proc.stdout.read(1 << 18)

    async def close(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        await self.proc.wait()


@dataclass
class AsyncSSHTerm:
    """Plain asyncssh: a direct SSH connection and PTY from Python, no gateway in between."""

    conn: asyncssh.SSHClientConnection
    proc: asyncssh.SSHClientProcess[bytes]

    @classmethod
    async def open(cls, options: dict[str, Any], cols: int = 80, rows: int = 24) -> AsyncSSHTerm:
        conn = await asyncssh.connect(**options)
        proc = await conn.create_process(
            term_type="xterm-256color", term_size=(cols, rows), encoding=None
        )
        return cls(conn, proc)

    async def write(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        await self.proc.stdin.drain()

    async def read(self) -> bytes:
        return await self.proc.stdout.read(1 << 18)

    async def close(self) -> None:
        self.proc.close()
        self.conn.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.conn.wait_closed(), 5)


# ---------------------------------------------------------------------------------------------
# Gateways (WebSocket clients speaking each gateway's browser protocol)
# ---------------------------------------------------------------------------------------------


@dataclass
class WSTerm:
    """Shared WebSocket plumbing: ``hello`` is the first control message, if any."""

    ws: ClientConnection
    hello: dict[str, Any] = field(default_factory=dict)
    controls: list[dict[str, Any]] = field(default_factory=list)

    @property
    def deflate(self) -> bool:
        return negotiated_deflate(self.ws)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()


@dataclass
class SshgateTerm(WSTerm):
    """docs/protocol.md: binary frames both ways, JSON text frames for control."""

    @classmethod
    async def open(cls, url: str, token: str, *, deflate: bool, hello: bool = True) -> SshgateTerm:
        ws = await websockets.connect(
            url, additional_headers={"Authorization": f"Bearer {token}"}, **ws_options(deflate)
        )
        term = cls(ws)
        if hello:
            await term.expect_session()
        return term

    async def expect_session(self) -> None:
        first = json.loads(await asyncio.wait_for(self.ws.recv(), 60))
        if first.get("type") != "session":
            await self.close()
            raise Closed(f"sshgate refused the terminal: {first}")
        self.hello = first

    async def write(self, data: bytes) -> None:
        await self.ws.send(data)

    async def read(self) -> bytes:
        while True:
            try:
                frame = await self.ws.recv()
            except websockets.ConnectionClosed:
                return b""
            if isinstance(frame, bytes):
                return frame
            self.controls.append(json.loads(frame))

    async def end(self) -> None:
        """End the shell for everyone (the session outlives its socket otherwise)."""
        with contextlib.suppress(Exception):
            await self.ws.send(json.dumps({"type": "close"}))
        await self.close()


@dataclass
class WebsshTerm(WSTerm):
    """webssh: POST the login form, then ``/ws?id=``; output binary, input JSON ``data``."""

    encoding: str = "utf-8"

    async def write(self, data: bytes) -> None:
        await self.ws.send(json.dumps({"data": data.decode(self.encoding)}))

    async def read(self) -> bytes:
        try:
            frame = await self.ws.recv()
        except websockets.ConnectionClosed:
            return b""
        return frame if isinstance(frame, bytes) else frame.encode()


@dataclass
class WebgateTerm(WSTerm):
    """webgate: token in the query, a JSON size message first, then text frames both ways
    (output decoded as UTF-8 on the gateway, re-encoded here to count bytes)."""

    async def write(self, data: bytes) -> None:
        await self.ws.send(data.decode())

    async def read(self) -> bytes:
        try:
            frame = await self.ws.recv()
        except websockets.ConnectionClosed:
            return b""
        return frame.encode() if isinstance(frame, str) else frame


# ---------------------------------------------------------------------------------------------
# Driving a terminal
# ---------------------------------------------------------------------------------------------

_counter = iter(range(1, 1 << 30))


def marker_command(command: str) -> tuple[bytes, bytes]:
    """``command`` followed by an end marker whose typed form differs from its output
    (``echo E$((n+1))Q`` prints ``E<n+1>Q``), so the echo of the command line never matches."""
    n = next(_counter) * 1000 + 7
    line = f"{command}; echo BENCH_E$(({n}+1))_Q\r" if command else f"echo BENCH_E$(({n}+1))_Q\r"
    return line.encode(), f"BENCH_E{n + 1}_Q".encode()


@dataclass
class Transfer:
    bytes: int
    seconds: float
    data: bytes | None  # the whole output when kept (smoke checks), else None


async def read_until(
    term: Terminal, marker: bytes, *, keep: bool = False, within: float = 600
) -> Transfer:
    """Read until ``marker``; count bytes (search only the tail: outputs are 100 MB)."""
    start = time.perf_counter()
    total = 0
    tail = b""
    kept = bytearray() if keep else None

    async def pump() -> None:
        nonlocal total, tail
        while True:
            chunk = await term.read()
            if not chunk:
                raise Closed(f"terminal ended before {marker!r}")
            total += len(chunk)
            if kept is not None:
                kept.extend(chunk)
            window = tail + chunk
            if marker in window:
                return
            tail = window[-len(marker) :]

    await asyncio.wait_for(pump(), within)
    return Transfer(total, time.perf_counter() - start, bytes(kept) if kept is not None else None)


async def run(term: Terminal, command: str, *, keep: bool = False, within: float = 600) -> Transfer:
    """Type ``command`` and read until its end marker; the clock starts at the keypress."""
    line, marker = marker_command(command)
    start = time.perf_counter()
    await term.write(line)
    result = await read_until(term, marker, keep=keep, within=within)
    return Transfer(result.bytes, time.perf_counter() - start, result.data)


async def ready(term: Terminal, within: float = 60) -> None:
    """Wait for the shell to answer (its rc files have run, the prompt is up)."""
    await run(term, "", within=within)
