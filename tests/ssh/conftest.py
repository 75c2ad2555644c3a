"""Shared set-up for connector tests: servers inserted straight into the registry tables
(credentials encrypted as the registry stores them), and audit look-ups through the API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from quart import Quart

from sshgate.crypto import SecretBox
from sshgate.registry.credentials import PURPOSE, credentials_box
from sshgate.registry.models import Server
from sshgate.testing.ssh import TEST_PASSWORD, TEST_USER

MakeServer = Callable[..., Awaitable[int]]


@pytest.fixture
def make_server(app: Quart) -> MakeServer:
    """``await make_server("web", ssh_server, password=..., jump_via=id)`` -> server id.

    ``target`` is anything with ``host`` and ``port`` (an SSHTestServer, an OpenSSHServer).
    Without ``password`` or ``key`` it uses the in-process server's test password.
    ``secret_key`` encrypts with another SSHGATE_SECRET_KEY (unreadable credentials).
    """

    async def make(
        name: str,
        target: Any,
        *,
        username: str = TEST_USER,
        password: str | None = None,
        key: str | None = None,
        passphrase: str | None = None,
        group: str = "",
        jump_via: int | None = None,
        tags: list[str] | None = None,
        secret_key: str | None = None,
        host: str | None = None,
        port: int | None = None,
    ) -> int:
        box = SecretBox([secret_key], PURPOSE) if secret_key else credentials_box(app)
        secret = key if key is not None else (password if password is not None else TEST_PASSWORD)
        server = Server(
            name=name,
            host=host or target.host,
            port=port or target.port,
            username=username,
            auth_method="key" if key is not None else "password",
            secret=box.encrypt(secret),
            key_passphrase=box.encrypt(passphrase) if passphrase is not None else None,
            group=group,
            tags=tags or [],
            jump_via_id=jump_via,
        )
        async with app.extensions["sshgate"].db.session() as session:
            session.add(server)
            await session.flush()
            return server.id

    return make
