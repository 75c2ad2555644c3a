"""One test per hook, through the test plugin installed as its own distribution
(``tests/plugins/testplugin``, found through the ``sshgate`` entry point)."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import inspect

from sshgate.api import hookimpl
from sshgate.app import create_app
from sshgate.plugins import build_plugin_manager, hook_names

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def sshgate_load_entrypoints() -> bool:
    return True


# Meta-tests: a hook without documentation or without a test fails the suite.


@pytest.mark.parametrize("hook", hook_names())
def test_every_hook_is_documented(hook):
    docs = (REPO / "docs" / "plugins.md").read_text()
    assert f"\n### {hook}\n" in docs or f"\n### `{hook}`" in docs, f"docs/plugins.md lacks {hook}"


@pytest.mark.parametrize("hook", hook_names())
def test_every_hook_has_a_test(hook):
    sources = "\n".join(p.read_text() for p in (REPO / "tests").rglob("test_*.py"))
    assert f"def test_hook_{hook}(" in sources, f"no test named test_hook_{hook}"


def test_test_plugin_implements_every_hook(app):
    info = {p.name: p for p in app.extensions["sshgate"].plugins.info()}
    assert sorted(info["testplugin"].hooks) == hook_names()


# One test per hook.


async def test_hook_register_blueprints(client):
    response = await client.get("/api/testplugin/greeting")
    assert response.status_code == 200
    assert await response.get_json() == {"greeting": "hello"}


@pytest.fixture
def sshgate_settings_overrides(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize(
    "sshgate_settings_overrides",
    [{"plugin_settings": {"testplugin": {"greeting": "bonjour"}}}],
    indirect=True,
)
async def test_hook_register_settings(client):
    response = await client.get("/api/testplugin/greeting")
    assert await response.get_json() == {"greeting": "bonjour"}


def test_hook_register_settings_from_environment_and_unknown_keys(sshgate_settings):
    environ = {"SSHGATE_TESTPLUGIN_GREETING": "hola"}
    app = create_app(sshgate_settings, environ=environ)
    assert app.extensions["sshgate"].plugin_settings["testplugin"].greeting == "hola"
    from sshgate.errors import StartupError

    with pytest.raises(StartupError, match="SSHGATE_TESTPLUGIN_GRETING"):
        create_app(sshgate_settings, environ={"SSHGATE_TESTPLUGIN_GRETING": "x"})
    with pytest.raises(StartupError, match="SSHGATE_TESTPLUGIN_MAX_NOTES"):
        create_app(sshgate_settings, environ={"SSHGATE_TESTPLUGIN_MAX_NOTES": "many"})


async def test_hook_register_migrations(app, user_client):
    async with app.extensions["sshgate"].db.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
    assert "testplugin_notes" in tables
    created = await user_client.post("/api/testplugin/notes", json={"text": "first"})
    assert created.status_code == 201
    listed = await (await user_client.get("/api/testplugin/notes")).get_json()
    assert listed["notes"] == [{"id": 1, "text": "first"}]


def test_hook_register_commands():
    cli = click.Group()
    pm = build_plugin_manager()
    pm.hook.register_commands(cli=cli)
    assert {"serve", "migrate", "db-status", "plugins", "testplugin-hello"} <= set(cli.commands)
    result = CliRunner().invoke(cli, ["testplugin-hello", "tests"])
    assert result.output == "hello, tests (from testplugin)\n"


def test_hook_register_events(app):
    events = app.extensions["sshgate"].plugins.collect("register_events")
    names = [e.name for e in events]
    assert "testplugin.note_created" in names and "auth.login" in names


async def test_hook_extra_js_urls(client):
    config = await (await client.get("/api/config")).get_json()
    assert {"plugin": "testplugin", "url": "static/plugins/testplugin/panel.js"} in config["ui"][
        "js"
    ]
    script = await client.get("/static/plugins/testplugin/panel.js")
    assert script.status_code == 200
    assert b"testpluginLoaded" in await script.get_data()


async def test_hook_extra_css_urls(client, user_client):
    config = await (await client.get("/api/config")).get_json()
    assert {"plugin": "testplugin", "url": "static/plugins/testplugin/panel.css"} in config["ui"][
        "css"
    ]
    plugins = await (await user_client.get("/api/plugins")).get_json()
    entry = next(p for p in plugins["plugins"] if p["name"] == "testplugin")
    assert entry["css"] == ["static/plugins/testplugin/panel.css"]


async def test_hook_extra_config(client):
    config = await (await client.get("/api/config")).get_json()
    assert config["extra"]["testplugin"] == {"greeting": "hello"}


async def test_hook_startup(user_client):
    state = await (await user_client.get("/api/testplugin/events")).get_json()
    assert state["lifecycle"] == ["startup"]
    assert state["events"][0]["name"] == "app.startup"


async def test_hook_shutdown(sshgate_settings):
    app = create_app(sshgate_settings, environ={})
    async with app.test_app():
        assert app.extensions["testplugin"]["lifecycle"] == ["startup"]
    assert app.extensions["testplugin"]["lifecycle"] == ["startup", "shutdown"]


async def test_hook_track_event(user_client):
    await user_client.post("/api/testplugin/notes", json={"text": "tracked"})
    state = await (await user_client.get("/api/testplugin/events")).get_json()
    names = [e["name"] for e in state["events"]]
    assert names == ["app.startup", "auth.login", "testplugin.note_created"]
    created = state["events"][-1]
    assert created["properties"] == {"note_id": 1, "text": "tracked"}
    assert created["actor"] == "alice" and created["source_ip"]


async def test_hook_track_event_isolates_a_failing_plugin(sshgate_settings):
    def broken(event):
        raise RuntimeError("boom")

    failing = types.SimpleNamespace(track_event=hookimpl(broken))
    app = create_app(sshgate_settings, plugins=[failing], environ={})
    async with app.test_app():
        # The startup event reached the test plugin although the other plugin raised.
        assert [e.name for e in app.extensions["testplugin"]["events"]] == ["app.startup"]


async def test_hook_session_observers(app):
    session = object()
    observers = await app.extensions["sshgate"].plugins.session_observers(session)
    assert len(observers) == 1 and observers[0].session is session
    observers[0].data_received(b"x", "output")
    assert observers[0].chunks == [(b"x", "output")]


async def test_hook_permission_allowed(app):
    plugins = app.extensions["sshgate"].plugins
    assert await plugins.permission_allowed(None, "testplugin.forbidden", None) is False
    assert await plugins.permission_allowed(None, "testplugin.granted", None) is True
    assert await plugins.permission_allowed(None, "server.view", None) is None


async def test_hook_permission_allowed_deny_wins(sshgate_settings):
    always = types.SimpleNamespace(permission_allowed=hookimpl(lambda action: True))
    app = create_app(sshgate_settings, plugins=[always], environ={})
    plugins = app.extensions["sshgate"].plugins
    assert await plugins.permission_allowed(None, "testplugin.forbidden", None) is False
    assert await plugins.permission_allowed(None, "anything", None) is True


async def test_hook_before_connect(app):
    plugins = app.extensions["sshgate"].plugins
    vetoed = types.SimpleNamespace(name="testplugin-vetoed")
    assert "vetoed by testplugin" in await plugins.before_connect(None, vetoed)
    assert await plugins.before_connect(None, types.SimpleNamespace(name="web-1")) is None


async def test_hook_before_file_transfer(app):
    plugins = app.extensions["sshgate"].plugins
    server = types.SimpleNamespace(name="files-1")
    veto = await plugins.before_file_transfer(None, server, "upload", "/testplugin-forbidden/x")
    assert veto == "testplugin forbids upload under /testplugin-forbidden"
    assert await plugins.before_file_transfer(None, server, "read", "/srv/x") is None


def test_cli_lists_the_entry_point_plugin():
    result = subprocess.run(
        [sys.executable, "-m", "sshgate", "plugins", "--json"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "SSHGATE_DB_URL": "sqlite+aiosqlite:///:memory:"},
        check=True,
    )
    assert '"name": "testplugin"' in result.stdout
