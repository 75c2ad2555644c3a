"""Shared by the monitoring tests: servers registered through the public API, and waits on
the status API."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from sshgate.testing.live import free_port
from sshgate.testing.ssh import TEST_PASSWORD, TEST_USER
from sshgate.testing.terminal import eventually


async def register(admin_client: Any, target: Any, *, name: str, **fields: Any) -> int:
    """An SSHTestServer (password), an OpenSSHServer (key) or anything with host and port."""
    body: dict[str, Any] = {
        "name": name,
        "host": target.host,
        "port": target.port,
        "group": "dev",
        "username": TEST_USER,
        "password": TEST_PASSWORD,
    }
    if hasattr(target, "client_key_path"):  # the real sshd: key auth as its user
        body.pop("password")
        body.update(
            username=target.user,
            auth_method="key",
            private_key=Path(target.client_key_path).read_text(),
        )
    body.update(fields)
    response = await admin_client.post("/api/servers", json=body)
    assert response.status_code == 201, await response.get_json()
    return int((await response.get_json())["id"])


class Port:
    """A loopback address with nothing listening on it (a closed port)."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()


@contextlib.asynccontextmanager
async def silent_listener() -> AsyncIterator[Port]:
    """Accepts TCP connections and never says a word: no SSH banner."""
    held: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    where = Port()
    where.port = server.sockets[0].getsockname()[1]
    try:
        yield where
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


@contextlib.contextmanager
def full_backlog() -> Iterator[Port]:
    """A port whose TCP connects hang: a listener with a backlog of one that never accepts,
    its queue filled by one connection of ours. Linux then drops further SYNs, so connects
    time out as they would to a host behind a dropping firewall."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    filler = socket.create_connection(listener.getsockname(), timeout=10)
    where = Port()
    where.port = listener.getsockname()[1]
    try:
        yield where
    finally:
        filler.close()
        listener.close()


async def status_of(client: Any, server_id: int) -> dict[str, Any]:
    response = await client.get("/api/monitoring/status")
    assert response.status_code == 200, await response.get_json()
    rows = {row["id"]: row for row in (await response.get_json())["servers"]}
    return rows[server_id]


async def wait_state(client: Any, server_id: int, state: str, **expected: Any) -> dict[str, Any]:
    """Wait until the server's status is ``state`` (and has the ``expected`` fields)."""
    found: dict[str, Any] = {}

    async def check() -> bool:
        found.update(await status_of(client, server_id))
        return found["state"] == state and all(found.get(k) == v for k, v in expected.items())

    try:
        await eventually(check, f"server {server_id} {state} {expected}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last status: {found}") from None
    return found


async def audit(admin_client: Any, action: str) -> list[dict[str, Any]]:
    response = await admin_client.get("/api/audit", query_string={"action": action})
    assert response.status_code == 200, await response.get_json()
    return list((await response.get_json())["entries"])
