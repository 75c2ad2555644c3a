"""Timeouts from the settings bound every hop: a server that never speaks SSH, and one that
never finishes authentication, both fail with stage "timeout" within the configured time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import asyncssh
import pytest
from ssh_helpers import connection_test

from sshgate.testing.ssh import TEST_USER


@pytest.fixture
def sshgate_settings_overrides():
    return {"ssh_connect_timeout": 1, "ssh_login_timeout": 1}


class Address:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port


@pytest.fixture
async def silent_server() -> AsyncIterator[Address]:
    """Accepts TCP connections and never sends an SSH banner."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up and closes
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield Address("127.0.0.1", server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()


class StallingAuth(asyncssh.SSHServer):
    """Completes the key exchange, then never answers a password."""

    def __init__(self, never: asyncio.Event) -> None:
        self.never = never

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        await self.never.wait()
        return False


@pytest.fixture
async def stalling_server() -> AsyncIterator[Address]:
    never = asyncio.Event()
    acceptor = await asyncssh.listen(
        host="127.0.0.1",
        port=0,
        server_host_keys=[asyncssh.generate_private_key("ssh-ed25519")],
        server_factory=lambda: StallingAuth(never),
        config=None,
    )
    try:
        yield Address("127.0.0.1", acceptor.get_port())
    finally:
        never.set()
        acceptor.close()
        await acceptor.wait_closed()


async def test_no_ssh_banner_times_out(admin_client, silent_server, make_server):
    server_id = await make_server("mute", silent_server)
    started = time.monotonic()
    body = await connection_test(admin_client, server_id)
    elapsed = time.monotonic() - started
    assert body["stage"] == "timeout" and body["hop_name"] == "mute"
    assert "did not complete the SSH handshake within 1 s" in body["message"]
    assert elapsed < 5  # the 1 s setting bounds it, not asyncssh's defaults


async def test_authentication_that_never_ends_times_out(admin_client, stalling_server, make_server):
    server_id = await make_server("stall", stalling_server, username=TEST_USER)
    started = time.monotonic()
    body = await connection_test(admin_client, server_id)
    elapsed = time.monotonic() - started
    assert body["stage"] == "timeout" and body["hop_name"] == "stall"
    assert "login to stall" in body["message"] and "within 1 s" in body["message"]
    assert elapsed < 5
