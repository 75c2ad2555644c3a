"""The plugin contract's version (``SSHGATE_CONTRACT`` against ``HOOKSPEC_VERSION``) and its
public types: what hooks really receive satisfies the Protocols of ``sshgate.api``."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import types

import pytest
import websockets

from sshgate import __version__
from sshgate.api import HOOKSPEC_VERSION, hookimpl
from sshgate.app import create_app
from sshgate.errors import StartupError
from sshgate.testing.terminal import add_server


@pytest.fixture
def sshgate_load_entrypoints() -> bool:
    return True


def plugin_for(contract: object, name: str = "sshgate_versioned") -> types.ModuleType:
    module = types.ModuleType(name)
    module.SSHGATE_CONTRACT = contract
    module.startup = hookimpl(lambda app: None)
    return module


def test_hookspec_version_is_1_4():
    assert HOOKSPEC_VERSION == "1.4"


async def test_api_plugins_reports_the_contract(user_client):
    listed = await (await user_client.get("/api/plugins")).get_json()
    assert listed["hookspec_version"] == "1.4"
    testplugin = next(p for p in listed["plugins"] if p["name"] == "testplugin")
    assert {"before_share", "authenticate", "register_background_tasks"} <= set(testplugin["hooks"])


@pytest.mark.parametrize("contract", ["1.4", "1.3", "1.2", "1.0", "1"])
def test_a_plugin_for_this_or_an_older_minor_is_accepted(startup_settings, contract):
    app = create_app(startup_settings, plugins=[plugin_for(contract)], environ={})
    assert "sshgate_versioned" in app.extensions["sshgate"].plugins.names()


@pytest.mark.parametrize("contract", ["1.5", "1.10", "2.0", "2.3", "0.9"])
def test_a_plugin_for_a_newer_or_another_major_contract_is_refused(startup_settings, contract):
    with pytest.raises(StartupError) as refused:
        create_app(startup_settings, plugins=[plugin_for(contract)], environ={})
    assert str(refused.value) == (
        f"plugin sshgate_versioned needs plugin contract {contract}; "
        f"this sshgate {__version__} provides 1.4"
    )


@pytest.mark.parametrize("contract", ["", "latest", "1.x", "1.3.1", "v1.3", "one.three"])
def test_a_malformed_contract_is_refused(startup_settings, contract):
    with pytest.raises(StartupError) as refused:
        create_app(startup_settings, plugins=[plugin_for(contract)], environ={})
    assert str(refused.value) == (
        f"plugin sshgate_versioned: SSHGATE_CONTRACT = {contract!r} is not a version such as '1.3'"
    )


def test_the_test_plugin_declares_the_contract():
    import sshgate_testplugin

    assert sshgate_testplugin.SSHGATE_CONTRACT == HOOKSPEC_VERSION


def installed_plugin(tmp_path, contract: str) -> str:
    """A real distribution on sys.path whose entry point module declares ``contract``."""
    (tmp_path / "sshgate_future.py").write_text(
        f'SSHGATE_CONTRACT = "{contract}"\n\n'
        "from sshgate.api import hookimpl\n\n@hookimpl\ndef startup(app):\n    pass\n"
    )
    info = tmp_path / "sshgate_future-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sshgate-future\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[sshgate]\nfuture = sshgate_future\n")
    return str(tmp_path)


@pytest.mark.parametrize(
    "command", [["-m", "sshgate", "plugins"], ["-c", "import sshgate.asgi"]], ids=["cli", "asgi"]
)
def test_an_installed_plugin_for_a_newer_contract_stops_start_up_in_one_line(tmp_path, command):
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": installed_plugin(tmp_path, "1.9"),
        "SSHGATE_DB_URL": "sqlite+aiosqlite:///:memory:",
        "SSHGATE_SECRET_KEY": "k" * 48,
    }
    result = subprocess.run(
        [sys.executable, *command], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 2, result
    assert result.stderr.strip().splitlines() == [
        f"sshgate: error: plugin future needs plugin contract 1.9; "
        f"this sshgate {__version__} provides 1.4"
    ]


# The public types, checked inside the test plugin's hooks (isinstance with the
# runtime_checkable Protocols, and every property present), then read back here.


async def test_hooks_receive_the_public_types(
    live_server, admin_client, user_client, ssh_server, tmp_path
):
    (ssh_server.sftp_root / "hello.txt").write_text("hello from sftp\n")
    server_id = await add_server(admin_client, ssh_server, name="typed")
    async with websockets.connect(
        f"{live_server.ws_url}/api/ws/terminal/{server_id}",
        additional_headers={"Authorization": f"Bearer {user_client.token}"},
    ) as ws:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 30))
        assert hello["type"] == "session", hello
        # before_connect and session_observers ran; now before_share and a file read.
        shared = await user_client.post(
            f"/api/terminal/sessions/{hello['id']}/shares", json={"mode": "ro"}
        )
        assert shared.status_code == 201, await shared.get_json()
    read = await user_client.get(
        f"/api/files/{server_id}/read", query_string={"path": "/hello.txt"}
    )
    assert read.status_code == 200, await read.get_json()
    received = (await (await user_client.get("/api/testplugin/contract")).get_json())["received"]
    expected = {
        "permission_allowed.actor": "Actor",
        "before_connect.actor": "Actor",
        "before_connect.server": "ServerInfo",
        "session_observers.session": "TerminalSession",
        "before_share.actor": "Actor",
        "before_share.server": "ServerInfo",
        "before_file_transfer.actor": "Actor",
        "before_file_transfer.server": "ServerInfo",
    }
    assert set(received) == set(expected)
    for where, protocol in expected.items():
        assert received[where]["isinstance"] is True, (where, protocol, received[where])
        assert received[where]["missing"] == [], (where, protocol, received[where])


@pytest.mark.parametrize("contract", [1.10, "1.-1", "+1.3"], ids=["float-1.10", "minus", "plus"])
def test_contract_values_that_only_look_like_versions_are_refused(startup_settings, contract):
    with pytest.raises(StartupError):
        create_app(startup_settings, plugins=[plugin_for(contract)], environ={})
