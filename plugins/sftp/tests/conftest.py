"""Fixtures of the SFTP plugin's tests. The plugin is loaded through its entry point (the
default ``sshgate_load_entrypoints=True``), exactly as in production."""

from __future__ import annotations

import pytest
from sftp_helpers import Target, register


@pytest.fixture
async def files_server(admin_client, ssh_server) -> Target:
    """The in-process asyncssh server, SFTP chrooted to ``ssh_server.sftp_root``."""
    server_id = await register(admin_client, ssh_server, name="files")
    return Target(server_id, ssh_server.sftp_root, "/")


@pytest.fixture
async def client(user_client):
    """A plain user (alice, group dev): every route is exercised without admin rights."""
    return user_client
