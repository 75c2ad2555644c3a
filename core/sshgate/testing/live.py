"""The app served by a real Hypercorn on a loopback port, inside the test's event loop.

Flow control, back-pressure and close codes only exist over real sockets: the Quart test
client queues without limit. Use ``live_server`` with a real WebSocket client for those.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from hypercorn.asyncio import serve
from hypercorn.config import Config
from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, Scope
from quart import Quart


@dataclass
class LiveServer:
    app: Quart
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.asynccontextmanager
async def serving(app: Quart) -> AsyncIterator[LiveServer]:
    """Serve an app that is already started (``app.test_app()``) until the block ends."""
    config = Config()
    port = free_port()
    config.bind = [f"127.0.0.1:{port}"]
    settings = app.extensions["sshgate"].settings
    config.websocket_ping_interval = settings.ws_ping_interval
    config.websocket_max_message_size = settings.ws_max_message_size
    config.accesslog = None
    # Tests end with connections still open; do not wait the default 3 s for each.
    config.graceful_timeout = 0.2
    stop = asyncio.Event()
    # The app's lifespan already ran in the fixture; Hypercorn must not run it twice.
    task = asyncio.create_task(serve(_NoLifespan(app), config, shutdown_trigger=stop.wait))
    try:
        # Generous: a loaded CI machine can take seconds to get Hypercorn listening.
        deadline = asyncio.get_running_loop().time() + 60
        while True:
            if task.done():  # Hypercorn gave up (the port was taken meanwhile, say)
                task.result()
                raise RuntimeError("Hypercorn stopped before it listened")
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"Hypercorn did not listen on port {port} within 60 s")
            await asyncio.sleep(0.02)
        yield LiveServer(app, "127.0.0.1", port)
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)


class _NoLifespan:
    def __init__(self, app: Quart) -> None:
        self.app = app

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await self.app(scope, receive, send)


@pytest.fixture
async def live_server(app: Quart) -> AsyncIterator[LiveServer]:
    """The test's app on a real port: ``live_server.url`` / ``live_server.ws_url``."""
    async with serving(app) as server:
        yield server
