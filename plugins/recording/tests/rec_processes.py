"""Real ``sshgate serve`` processes for the recording tests that kill or share workers.

``start_sshgate`` waits for ``api/health`` synchronously: it runs in a thread here, so the
in-process SSH server on the test's event loop keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sshgate.testing.browser import SshgateProcess, start_sshgate, stop_sshgate
from sshgate.testing.ssh import TEST_PASSWORD, TEST_USER
from sshgate.testing.terminal import TerminalClient, join_shared

BOB_PASSWORD = "bobs-password-12"
BOB_NEW_PASSWORD = "bobs-new-password-3"


async def start(folder: Path, env: dict[str, str], like: SshgateProcess | None = None):
    """A worker with its files in ``folder``; ``like``: another worker of the same gateway
    (same database), whose administrator password this one then knows."""
    folder.mkdir(parents=True, exist_ok=True)
    gate = await asyncio.to_thread(start_sshgate, folder, env)
    if like is not None:
        gate.admin_password = like.admin_password
        gate.tokens = dict(like.tokens)
    return gate


async def stop(gate: SshgateProcess) -> None:
    await asyncio.to_thread(stop_sshgate, gate)


async def call(gate: SshgateProcess, method: str, path: str, body: Any = None, token=None) -> Any:
    if token is None:
        return await asyncio.to_thread(gate.admin, method, path, body)
    return await asyncio.to_thread(gate.call, method, path, body, token)


async def add_target(gate: SshgateProcess, ssh_server: Any) -> int:
    body = {
        "name": "target",
        "host": ssh_server.host,
        "port": ssh_server.port,
        "username": TEST_USER,
        "password": TEST_PASSWORD,
        "group": "dev",
    }
    return int((await call(gate, "POST", "api/servers", body))["id"])


async def add_bob(gate: SshgateProcess) -> str:
    """User ``bob`` of group ``dev``, past the forced first password change: his token."""
    body = {"username": "bob", "password": BOB_PASSWORD, "allowed_groups": ["dev"]}
    await call(gate, "POST", "api/admin/users", body)
    first = await asyncio.to_thread(gate.login, "bob", BOB_PASSWORD)
    change = {"current_password": BOB_PASSWORD, "new_password": BOB_NEW_PASSWORD}
    await call(gate, "POST", "api/auth/password", change, token=first)
    return await asyncio.to_thread(gate.login, "bob", BOB_NEW_PASSWORD)


def ws_url(gate: SshgateProcess) -> str:
    return "ws" + gate.url.removeprefix("http").rstrip("/")


async def open_terminal(gate: SshgateProcess, server_id: int, token: str) -> TerminalClient:
    return await TerminalClient.open(f"{ws_url(gate)}/api/ws/terminal/{server_id}", token)


async def join(gate: SshgateProcess, token: str, share_token: str) -> TerminalClient:
    worker = SimpleNamespace(ws_url=ws_url(gate))
    return await join_shared(worker, SimpleNamespace(token=token), share_token)
