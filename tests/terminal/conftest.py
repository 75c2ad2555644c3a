"""Fixtures of the terminal tests: an owner's terminal on the in-process SSH server."""

from __future__ import annotations

import pytest
from term_helpers import Term, register

from sshgate.testing.ssh import TEST_PASSWORD


@pytest.fixture
async def owner_term(app, live_server, user_client, ssh_server):
    server_id = await register(app, ssh_server, secret=TEST_PASSWORD)
    term = await Term.open(f"{live_server.ws_url}/api/ws/terminal/{server_id}", user_client.token)
    yield term
    await term.close()
