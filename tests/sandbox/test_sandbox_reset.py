"""The built-in sandbox inside an app (both database backends), with demo mode on: the demo
account sees it through the sandbox group, its shell writes into the scratch home, and a
demo reset ends the shell and empties the home again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from sshgate.demo.reset import reset
from sshgate.errors import StartupError
from sshgate.registry.models import Server
from sshgate.sandbox.plugin import sandbox_of
from sshgate.sandbox.register import register
from sshgate.testing.terminal import TerminalClient, eventually, register_server
from sshgate.testing.users import login


@pytest.fixture
def sshgate_settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"sandbox": True, "data_dir": str(tmp_path / "data"), "demo_mode": True}


async def test_demo_reset_ends_sandbox_shells_and_empties_the_home(
    app: Any, live_server: Any, tmp_path: Path
) -> None:
    sandbox = sandbox_of(app)
    assert sandbox is not None
    assert (tmp_path / "data" / "sandbox_host_ed25519_key").is_file()
    user = await login(app, "demo", "demo")
    servers = (await (await user.get("/api/servers")).get_json())["servers"]
    assert [(s["name"], s["group"]) for s in servers] == [("sandbox", "sandbox")]

    term = await TerminalClient.open(
        f"{live_server.ws_url}/api/ws/terminal/{servers[0]['id']}", user.token
    )
    await term.run("echo visitor > ~/left-behind.txt && echo wrote-$((2+3))", "wrote-5")
    home = sandbox.run_as.home
    assert (home / "left-behind.txt").read_text() == "visitor\n"

    event = await reset(app)
    assert event.sandbox_emptied and event.terminals_ended == 1
    await term.closed()
    assert sorted(p.name for p in home.iterdir()) == ["README.txt"]
    await eventually(lambda: not sandbox.server.connections, "sandbox connections closed")


async def test_an_administrators_server_named_sandbox_is_never_taken_over(
    app: Any, ssh_server: Any
) -> None:
    sandbox = sandbox_of(app)
    assert sandbox is not None
    async with app.extensions["sshgate"].db.session() as session:
        await session.execute(delete(Server).where(Server.name == "sandbox"))
    await register_server(app, ssh_server, name="sandbox", group="ops")
    with pytest.raises(StartupError, match="did not register"):
        await register(app, sandbox.server, sftp=True)
    async with app.extensions["sshgate"].db.session() as session:
        row = await session.scalar(select(Server).where(Server.name == "sandbox"))
    assert row is not None and row.group == "ops" and row.port == ssh_server.port
