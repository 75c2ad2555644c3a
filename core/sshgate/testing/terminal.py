"""Terminals in tests: register a test SSH target as a server, and drive a shell over a real
WebSocket the way the page does (docs/protocol.md).

    from sshgate.testing.terminal import TerminalClient, register_server

    async def test_my_observer(app, live_server, user_client, ssh_server):
        server_id = await register_server(app, ssh_server, secret=TEST_PASSWORD)
        term = await TerminalClient.open(
            f"{live_server.ws_url}/api/ws/terminal/{server_id}", user_client.token
        )
        await term.run("echo hi-$((1+1))", "hi-2")
        await term.close()

Import it explicitly (it needs the ``websockets`` package, a test dependency of sshgate)."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable
from typing import Any

import websockets

from ..registry.credentials import credentials_box
from ..registry.models import Server
from .ssh import TEST_PASSWORD, TEST_USER

# The bound of every wait for the gateway or the shell: generous, because a loaded CI machine
# can stall either for seconds (each wait returns as soon as its condition holds).
WITHIN = 30


async def eventually(check: Callable[[], Any], what: str, within: float = WITHIN) -> Any:
    """Poll ``check`` (a function or a coroutine function) until it returns something
    true, and return that; fail after ``within`` seconds, saying ``what`` never came true."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still not so after {within:g} s: {what}")
        await asyncio.sleep(0.05)


async def register_server(
    app: Any, target: Any, *, name: str = "target", group: str = "dev", **fields: Any
) -> int:
    """Register ``target`` (``ssh_server``, ``sshd``: anything with ``host`` and ``port``) as
    a server in group ``group``, with its password (``secret=``) encrypted as the API would;
    other fields (``auth_method="key"``, ``username=``, ``sftp_enabled=``...) as in the
    server model. Returns the server's id."""
    box = credentials_box(app)
    secret = fields.pop("secret", None)
    method = fields.pop("auth_method", "password")
    async with app.extensions["sshgate"].db.session() as session:
        server = Server(
            name=name,
            host=target.host,
            port=target.port,
            username=fields.pop("username", getattr(target, "user", "tester")),
            auth_method=method,
            secret=box.encrypt(secret) if secret else None,
            group=group,
            **fields,
        )
        session.add(server)
        await session.flush()
        return server.id


async def add_server(
    admin_client: Any, target: Any, *, name: str = "target", group: str = "dev", **fields: Any
) -> int:
    """Register ``target`` through ``POST /api/servers`` as ``admin_client`` (the way an
    administrator does; ``register_server`` writes the row directly). Defaults to the test
    servers' user and password; returns the new server's id."""
    body = {
        "name": name,
        "host": target.host,
        "port": target.port,
        "username": getattr(target, "user", TEST_USER),
        "password": TEST_PASSWORD,
        "group": group,
        **fields,
    }
    created = await admin_client.post("/api/servers", json=body)
    assert created.status_code == 201, await created.get_json()
    server_id: int = (await created.get_json())["id"]
    return server_id


class TerminalClient:
    """One WebSocket client of a terminal session: bytes in ``output``, JSON messages in
    ``controls``, the first ``session`` message in ``hello``."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.output = bytearray()
        self.controls: list[dict[str, Any]] = []
        self.hello: dict[str, Any] = {}

    @classmethod
    async def open(
        cls, url: str, token: str, *, hello: bool = True, **kwargs: Any
    ) -> TerminalClient:
        kwargs.setdefault("open_timeout", WITHIN)
        ws = await websockets.connect(
            url,
            additional_headers={"Authorization": f"Bearer {token}"},
            max_size=None,
            close_timeout=10,
            **kwargs,
        )
        term = cls(ws)
        if not hello:  # quick connect speaks first from the client side
            return term
        first = json.loads(await asyncio.wait_for(ws.recv(), WITHIN))
        term.controls.append(first)
        if first.get("type") == "session":
            term.hello = first
        return term

    async def read_until(self, marker: bytes, within: float = WITHIN) -> bytes:
        """Read frames until ``marker`` shows up in the output; return the output so far."""

        async def pump() -> None:
            searched = 0
            while marker not in self.output[searched:]:
                # Search only what is new (plus an overlap): output can be tens of MB.
                searched = max(0, len(self.output) - len(marker))
                frame = await self.ws.recv()
                if isinstance(frame, bytes):
                    self.output += frame
                else:
                    self.controls.append(json.loads(frame))

        await asyncio.wait_for(pump(), within)
        return bytes(self.output)

    async def next_control(self, kind: str | None = None, within: float = WITHIN) -> dict[str, Any]:
        """The next JSON message (of type ``kind`` if given); output and skipped messages
        are kept in ``output`` and ``controls``."""

        async def find() -> dict[str, Any]:
            while True:
                frame = await self.ws.recv()
                if isinstance(frame, bytes):
                    self.output += frame
                    continue
                message = json.loads(frame)
                self.controls.append(message)
                if kind is None or message.get("type") == kind:
                    return message

        return await asyncio.wait_for(find(), within)

    async def send(self, text: str | bytes) -> None:
        await self.ws.send(text.encode() if isinstance(text, str) else text)

    async def control(self, **message: Any) -> None:
        await self.ws.send(json.dumps(message))

    async def run(self, command: str, marker: str, within: float = WITHIN) -> bytes:
        """Type ``command`` and wait for ``marker`` (make it differ from the typed text)."""
        await self.send(command + "\n")
        return await self.read_until(marker.encode(), within)

    async def closed(self, within: float = WITHIN) -> tuple[int | None, str]:
        """Drain until the server closes; returns (close code, reason)."""

        async def drain() -> None:
            try:
                while True:
                    frame = await self.ws.recv()
                    if isinstance(frame, bytes):
                        self.output += frame
                    else:
                        self.controls.append(json.loads(frame))
            except websockets.ConnectionClosed:
                return

        await asyncio.wait_for(drain(), within)
        return self.ws.close_code, self.ws.close_reason

    async def close(self) -> None:
        await self.ws.close()


async def share_link(client: Any, session_id: str, mode: str) -> dict[str, Any]:
    """Mint a share link as ``client`` (an authed test client) through the REST API."""
    response = await client.post(f"/api/terminal/sessions/{session_id}/shares", json={"mode": mode})
    assert response.status_code == 201, await response.get_json()
    return await response.get_json()


async def join_shared(live_server: Any, client: Any, token: str) -> TerminalClient:
    """Join a shared session: the token goes in the first message, never in the URL."""
    term = await TerminalClient.open(
        f"{live_server.ws_url}/api/ws/terminal/join", client.token, hello=False
    )
    await term.control(type="join", token=token)
    first = json.loads(await asyncio.wait_for(term.ws.recv(), WITHIN))
    term.controls.append(first)
    if first.get("type") == "session":
        term.hello = first
    return term
