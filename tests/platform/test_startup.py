"""Settings and plugin checks that decide whether the app may start."""

from __future__ import annotations

import types

import pytest

from sshgate.api import hookimpl
from sshgate.app import app_from_env, create_app
from sshgate.errors import StartupError
from sshgate.settings import Settings, is_loopback


def test_settings_come_from_sshgate_variables():
    settings = Settings.from_env(
        {
            "SSHGATE_PORT": "9000",
            "SSHGATE_DISABLE_PLUGINS": "sftp, ldap",
            "SSHGATE_TRUSTED_PROXIES": "10.0.0.0/8,127.0.0.1",
            "SSHGATE_ROOT_PATH": "/gate/",
            "OTHER": "ignored",
        }
    )
    assert settings.port == 9000
    assert settings.disable_plugins == ["sftp", "ldap"]
    assert settings.trusted_proxies == ["10.0.0.0/8", "127.0.0.1"]
    assert settings.root_path == "/gate"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"SSHGATE_PORT": "http"}, "SSHGATE_PORT: Input should be a valid integer"),
        ({"SSHGATE_PORT": "70000"}, "SSHGATE_PORT: Input should be less than or equal to 65535"),
        ({"SSHGATE_LOG_LEVEL": "loud"}, "SSHGATE_LOG_LEVEL: Input should be 'debug'"),
        ({"SSHGATE_ROOT_PATH": "gate"}, "SSHGATE_ROOT_PATH: must be a path such as /gate"),
        ({"SSHGATE_DB_URL": "mysql://x/y"}, "SSHGATE_DB_URL: must use sqlite+aiosqlite://"),
        ({"SSHGATE_TRUSTED_PROXIES": "proxy.local"}, "SSHGATE_TRUSTED_PROXIES: 'proxy.local'"),
    ],
)
def test_invalid_settings_name_the_variable(environ, expected):
    with pytest.raises(StartupError) as excinfo:
        Settings.from_env(environ)
    message = str(excinfo.value)
    assert expected in message
    assert "\n" not in message


def test_secret_values_are_never_echoed():
    with pytest.raises(StartupError) as excinfo:
        Settings.from_env({"SSHGATE_SECRET_KEY": "", "SSHGATE_PORT": "x"})
    assert "SSHGATE_PORT" in str(excinfo.value)
    settings = Settings.from_env({"SSHGATE_SECRET_KEY": "s3cr3t-" * 8})
    assert "s3cr3t" not in repr(settings)


def test_unknown_variable_is_refused_with_a_suggestion(tmp_path):
    environ = {"SSHGATE_DB_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db", "SSHGATE_SECERT_KEY": "k"}
    with pytest.raises(
        StartupError, match=r"SSHGATE_SECERT_KEY \(did you mean SSHGATE_SECRET_KEY\?\)"
    ):
        app_from_env(environ)


@pytest.mark.parametrize(
    ("key", "weak"),
    [(None, True), ("change-me-in-production", True), ("short", True), ("k" * 32, False)],
)
def test_weak_secret_keys(key, weak):
    assert Settings.model_validate({"secret_key": key}).secret_key_is_weak is weak


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
    ],
)
def test_loopback_detection(host, loopback):
    assert is_loopback(host) is loopback


def test_misspelled_hookimpl_stops_startup_with_a_suggestion(sshgate_settings):
    misspelled = types.ModuleType("sshgate_typo")
    misspelled.register_blueprint = hookimpl(lambda app: [])
    with pytest.raises(StartupError) as excinfo:
        create_app(sshgate_settings, plugins=[misspelled], environ={})
    assert str(excinfo.value) == (
        "plugin sshgate_typo: unknown hook 'register_blueprint' "
        "(did you mean 'register_blueprints'?)"
    )


def test_async_build_time_hook_is_refused(sshgate_settings):
    async def register_blueprints(app):
        return []

    plugin = types.ModuleType("sshgate_async")
    plugin.register_blueprints = hookimpl(register_blueprints)
    with pytest.raises(StartupError, match="register_blueprints runs while the app is built"):
        create_app(sshgate_settings, plugins=[plugin], environ={})


def test_blueprint_without_prefix_is_refused(sshgate_settings):
    from quart import Blueprint

    plugin = types.ModuleType("sshgate_noprefix")
    plugin.register_blueprints = hookimpl(lambda app: [Blueprint("np", __name__)])
    with pytest.raises(StartupError, match="blueprint 'np' needs a url_prefix"):
        create_app(sshgate_settings, plugins=[plugin], environ={})


def test_entry_point_plugin_is_discovered_and_can_be_disabled(sshgate_settings):
    enabled = create_app(sshgate_settings, environ={})
    assert "testplugin" in enabled.extensions["sshgate"].plugins.names()
    disabled_settings = sshgate_settings.model_copy(update={"disable_plugins": ["testplugin"]})
    disabled = create_app(disabled_settings, environ={})
    assert "testplugin" not in disabled.extensions["sshgate"].plugins.names()
    assert not any(
        "testplugin" in loc for loc in disabled.extensions["sshgate"].migration_locations
    )


async def test_disabled_plugin_routes_and_assets_are_gone(sshgate_settings):
    settings = sshgate_settings.model_copy(update={"disable_plugins": ["testplugin"]})
    app = create_app(settings, environ={})
    async with app.test_app():
        client = app.test_client()
        assert (await client.get("/api/testplugin/greeting")).status_code == 404
        config = await (await client.get("/api/config")).get_json()
        assets = config["ui"]["js"] + config["ui"]["css"]
        assert [a for a in assets if a["plugin"] == "testplugin"] == []
        from sshgate.testing.users import create_user, login

        await create_user(app, "viewer")
        viewer = await login(app, "viewer")
        plugins = await (await viewer.get("/api/plugins")).get_json()
        assert "testplugin" not in {p["name"] for p in plugins["plugins"]}


def test_two_apps_do_not_share_plugins(sshgate_settings):
    extra = types.ModuleType("sshgate_only_in_one")
    extra.startup = hookimpl(lambda app: None)
    one = create_app(sshgate_settings, plugins=[extra], environ={})
    two = create_app(sshgate_settings, environ={})
    assert "sshgate_only_in_one" in one.extensions["sshgate"].plugins.names()
    assert "sshgate_only_in_one" not in two.extensions["sshgate"].plugins.names()
