"""``sshgate rotate-key`` re-encrypts every column registered with
``register_encrypted_columns`` (the core's and the test plugin's), all or nothing."""

from __future__ import annotations

import subprocess
import sys
from contextlib import asynccontextmanager

import pytest
from pydantic import SecretStr
from sshgate_testplugin import Secret

from sshgate.api import SecretBox, db_session
from sshgate.app import create_app
from sshgate.testing.fixtures import TEST_SECRET_KEY
from sshgate.testing.terminal import add_server
from sshgate.testing.users import create_user, login

OLD_KEY = TEST_SECRET_KEY
NEW_KEY = "the-new-secret-key-" + "n" * 32
STRANGER_KEY = "a-key-nobody-here-knows-" + "s" * 32


@asynccontextmanager
async def running(settings, key: str):
    """The app with ``key`` as SSHGATE_SECRET_KEY, started; and an administrator of it."""
    app = create_app(settings.model_copy(update={"secret_key": SecretStr(key)}), environ={})
    async with app.test_app():
        await create_user(app, "keeper", role="admin")
        yield app, await login(app, "keeper")


def rotate_key(db_url: str, plugins_dir, old: str, new: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sshgate", "rotate-key", "--old", old, "--new", new],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(plugins_dir),
            "SSHGATE_DB_URL": db_url,
            "SSHGATE_SECRET_KEY": old,
        },
        timeout=60,
    )


async def server_connects(admin, server_id: int) -> dict:
    response = await admin.post(f"/api/servers/{server_id}/test")
    assert response.status_code == 200, await response.get_json()
    return await response.get_json()


async def plugin_secret(admin, name: str):
    response = await admin.get(f"/api/testplugin/secrets/{name}")
    return response.status_code, await response.get_json()


async def set_up(settings, ssh_server) -> int:
    """A server with a password and a plugin secret, both encrypted with OLD_KEY."""
    async with running(settings, OLD_KEY) as (_, admin):
        server_id = await add_server(admin, ssh_server, name="rotated")
        assert (await server_connects(admin, server_id))["ok"] is True
        stored = await admin.put("/api/testplugin/secrets/webhook", json={"value": "hook-s3cret"})
        assert stored.status_code == 200
    return server_id


@pytest.fixture
def sshgate_load_entrypoints() -> bool:
    return True


async def test_hook_register_encrypted_columns(sshgate_settings, ssh_server, test_plugins_dir):
    server_id = await set_up(sshgate_settings, ssh_server)
    result = rotate_key(sshgate_settings.db_url, test_plugins_dir, OLD_KEY, NEW_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "re-encrypted 2 secret(s); now set SSHGATE_SECRET_KEY to the new key\n"
    )
    async with running(sshgate_settings, NEW_KEY) as (_, admin):
        assert await plugin_secret(admin, "webhook") == (
            200,
            {"name": "webhook", "value": "hook-s3cret"},
        )
        assert (await server_connects(admin, server_id))["ok"] is True
    async with running(sshgate_settings, OLD_KEY) as (_, admin):
        status, body = await plugin_secret(admin, "webhook")
        assert status == 409 and body["error"]["code"] == "secret_unreadable"
        diagnosis = await server_connects(admin, server_id)
        assert diagnosis["ok"] is False and diagnosis["stage"] == "credentials_unreadable"


async def test_rotate_key_is_all_or_nothing(sshgate_settings, ssh_server, test_plugins_dir):
    server_id = await set_up(sshgate_settings, ssh_server)
    # A plugin row that the old key cannot read (written with another key).
    foreign = SecretBox([STRANGER_KEY], "testplugin").encrypt("lost")
    async with running(sshgate_settings, OLD_KEY) as (app, _), db_session(app) as session:
        session.add(Secret(name="broken", token=foreign))
    result = rotate_key(sshgate_settings.db_url, test_plugins_dir, OLD_KEY, NEW_KEY)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "sshgate: error: 1 secret(s) unreadable with the old key, nothing changed: "
        "testplugin_secrets 'broken' (token)"
    ]
    assert OLD_KEY not in result.stderr and NEW_KEY not in result.stderr
    # Nothing changed: the old key still reads the server's password and the plugin's secret.
    async with running(sshgate_settings, OLD_KEY) as (_, admin):
        assert (await server_connects(admin, server_id))["ok"] is True
        assert (await plugin_secret(admin, "webhook"))[0] == 200
