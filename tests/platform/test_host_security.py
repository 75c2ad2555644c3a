"""Host policy that no plugin and no setting can switch off: the guard on every route, the
required plugins, the secret key, unknown settings, security headers, deciders that fail
closed. A refused start is one line, never a traceback."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest
from pydantic import SecretStr
from quart import Blueprint
from quart.testing.connections import WebsocketResponseError

from sshgate.api import hookimpl, requires
from sshgate.app import create_app
from sshgate.errors import StartupError
from sshgate.testing.terminal import add_server

REQUIRED = ["sshgate.auth", "sshgate.audit", "sshgate.db.default_migrations"]
STRONG_KEY = "k" * 48
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.fixture
def sshgate_load_entrypoints() -> bool:
    return True


@pytest.fixture
def sshgate_plugins(request):
    return getattr(request, "param", [])


def python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "SSHGATE_DB_URL": "sqlite+aiosqlite:///:memory:", **env},
        timeout=60,
    )


def assert_one_line(result: subprocess.CompletedProcess, *fragments: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sshgate: error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def assert_security_headers(response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    if response.mimetype == "application/json":
        assert response.headers["Cache-Control"] == "no-store"


# Required plugins.


@pytest.mark.parametrize("name", REQUIRED)
def test_required_plugins_cannot_be_disabled(name):
    result = python("-m", "sshgate", "plugins", env={"SSHGATE_DISABLE_PLUGINS": f"sftp,{name}"})
    assert_one_line(result, "SSHGATE_DISABLE_PLUGINS", name, "cannot be disabled")


def test_required_plugin_disabled_stops_create_app(startup_settings):
    settings = startup_settings.model_copy(update={"disable_plugins": ["sshgate.auth"]})
    with pytest.raises(StartupError) as refused:
        create_app(settings, environ={})
    assert "sshgate.auth cannot be disabled" in str(refused.value)
    assert "\n" not in str(refused.value)


def test_asgi_import_with_a_required_plugin_disabled_is_one_line():
    result = python(
        "-c",
        "import sshgate.asgi",
        env={"SSHGATE_SECRET_KEY": STRONG_KEY, "SSHGATE_DISABLE_PLUGINS": "sshgate.audit"},
    )
    assert_one_line(result, "sshgate.audit cannot be disabled")


# The guard belongs to the host.


undeclared_bp = Blueprint("undeclared", __name__, url_prefix="/api/undeclared")


@undeclared_bp.get("/page")
async def _undeclared_page():
    return {"leaked": True}


@undeclared_bp.websocket("/ws")
async def _undeclared_ws():
    from quart import websocket

    await websocket.accept()
    await websocket.send("leaked")


@undeclared_bp.get("/declared")
@requires("undeclared.view")
async def _declared_page():
    return {"ok": True}


@undeclared_bp.get("/crash")
@requires("undeclared.view")
async def _crash():
    raise RuntimeError("a plugin bug with a secret-ish detail: hunter2")


sloppy = types.ModuleType("sshgate_sloppy")
sloppy.register_blueprints = hookimpl(lambda app: [undeclared_bp])


@pytest.mark.parametrize("sshgate_plugins", [[sloppy]], indirect=True)
async def test_a_route_without_a_permission_is_refused_to_everyone(
    client, user_client, admin_client, caplog
):
    for who in (client, user_client, admin_client):
        response = await who.get("/api/undeclared/page")
        assert response.status_code == 403
        body = await response.get_json()
        assert body["error"]["code"] == "forbidden" and "leaked" not in body
        assert_security_headers(response)
    with pytest.raises(WebsocketResponseError) as refused:
        async with admin_client.websocket("/api/undeclared/ws") as ws:
            await ws.receive()
    assert refused.value.response.status_code == 403
    assert "route undeclared._undeclared_page declares no permission; denying" in caplog.text


@pytest.mark.parametrize("sshgate_plugins", [[sloppy]], indirect=True)
async def test_a_plugin_route_is_guarded_by_the_host(client, user_client):
    anonymous = await client.get("/api/undeclared/declared")
    assert anonymous.status_code == 401
    assert_security_headers(anonymous)
    assert (await user_client.get("/api/undeclared/declared")).status_code == 200


async def test_anonymous_requests_are_refused(client):
    for method, path in [
        ("post", "/api/servers"),
        ("get", "/api/servers"),
        ("get", "/api/audit"),
        ("get", "/api/testplugin/notes"),
        ("get", "/api/plugins"),
    ]:
        response = await getattr(client, method)(path, json={} if method == "post" else None)
        assert response.status_code == 401, (method, path)
        assert (await response.get_json())["error"]["code"] == "unauthorized"


async def test_a_plain_user_cannot_reach_admin_routes_of_plugins(user_client):
    response = await user_client.put("/api/testplugin/secrets/x", json={"value": "v"})
    assert response.status_code == 403
    assert (await user_client.get("/api/audit")).status_code == 403


# Security headers.


@pytest.mark.parametrize("sshgate_plugins", [[sloppy]], indirect=True)
async def test_security_headers_on_plugin_routes_and_errors(client, user_client):
    ok = await client.get("/api/testplugin/greeting")
    assert ok.status_code == 200
    assert_security_headers(ok)
    missing = await client.get("/api/no-such-thing")
    assert missing.status_code == 404
    assert_security_headers(missing)
    wrong_method = await client.delete("/api/testplugin/greeting")
    assert wrong_method.status_code == 405
    assert_security_headers(wrong_method)
    crashed = await user_client.get("/api/undeclared/crash")
    assert crashed.status_code == 500
    assert_security_headers(crashed)
    assert "hunter2" not in (await crashed.get_data(as_text=True))


# The secret key and unknown settings.


@pytest.mark.parametrize(
    "key", [None, "", "change-me", "CHANGE-ME-IN-PRODUCTION", "short-key-1", " " * 40]
)
def test_create_app_refuses_a_missing_or_weak_key(startup_settings, key):
    value = None if key is None else SecretStr(key)
    settings = startup_settings.model_copy(update={"secret_key": value})
    with pytest.raises(StartupError) as refused:
        create_app(settings, environ={})
    message = str(refused.value)
    assert message.startswith("SSHGATE_SECRET_KEY ")
    assert "\n" not in message
    if key and key.strip():
        assert key not in message


def test_create_app_refuses_unknown_sshgate_variables(startup_settings):
    with pytest.raises(StartupError) as refused:
        create_app(startup_settings, environ={"SSHGATE_SECRET_KEYS": STRONG_KEY})
    assert str(refused.value) == (
        "unknown setting SSHGATE_SECRET_KEYS (did you mean SSHGATE_SECRET_KEY?)"
    )
    # Another plugin's prefix is not a pass for everything under SSHGATE_.
    with pytest.raises(StartupError, match="SSHGATE_NOPLUGIN_X"):
        create_app(startup_settings, environ={"SSHGATE_NOPLUGIN_X": "1"})


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({}, "SSHGATE_SECRET_KEY is not set"),
        ({"SSHGATE_SECRET_KEY": "change-me"}, "SSHGATE_SECRET_KEY is a published default"),
        ({"SSHGATE_SECRET_KEY": STRONG_KEY, "SSHGATE_PROT": "1"}, "unknown setting SSHGATE_PROT"),
    ],
)
def test_asgi_import_refusal_is_one_line_and_exit_2(env, fragment):
    result = python("-c", "import sshgate.asgi", env=env)
    assert_one_line(result, fragment)
    if env.get("SSHGATE_SECRET_KEY"):
        assert env["SSHGATE_SECRET_KEY"] not in result.stderr  # never echoed


# Deciders fail closed.


def _raising_decider(action):
    if action == "testplugin.notes.list":
        raise RuntimeError("decider boom")


def _raising_connect(server):
    raise RuntimeError("before_connect boom")


failing_decider = types.ModuleType("sshgate_failing_decider")
failing_decider.permission_allowed = hookimpl(_raising_decider)
failing_connect = types.ModuleType("sshgate_failing_connect")
failing_connect.before_connect = hookimpl(_raising_connect)


@pytest.mark.parametrize("sshgate_plugins", [[failing_decider]], indirect=True)
async def test_a_permission_decider_that_raises_denies(user_client, admin_client, caplog):
    for who in (user_client, admin_client):  # administrators too: there is no answer
        response = await who.get("/api/testplugin/notes")
        assert response.status_code == 403
        assert (await response.get_json())["error"]["message"] == (
            "not allowed to testplugin.notes.list"
        )
    assert "plugin sshgate_failing_decider failed in permission_allowed" in caplog.text
    # Other actions are unaffected.
    assert (await user_client.get("/api/testplugin/events")).status_code == 200


@pytest.mark.parametrize("sshgate_plugins", [[failing_connect]], indirect=True)
async def test_a_connect_decider_that_raises_refuses_the_connection(
    admin_client, ssh_server, caplog
):
    server_id = await add_server(admin_client, ssh_server, name="guarded")
    response = await admin_client.post(f"/api/servers/{server_id}/test")
    assert response.status_code == 200
    diagnosis = await response.get_json()
    assert diagnosis["ok"] is False and diagnosis["stage"] == "vetoed"
    assert "sshgate_failing_connect plugin could not decide" in diagnosis["message"]
    assert "plugin sshgate_failing_connect failed in before_connect" in caplog.text


def test_an_entry_point_named_like_a_core_plugin_is_one_line(tmp_path):
    (tmp_path / "sshgate_fake_auth.py").write_text(
        "from sshgate.api import hookimpl\n\n@hookimpl\ndef startup(app):\n    pass\n"
    )
    info = tmp_path / "sshgate_fake_auth-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sshgate-fake-auth\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[sshgate]\nsshgate.auth = sshgate_fake_auth\n")
    result = python("-m", "sshgate", "plugins", env={"PYTHONPATH": str(tmp_path)})
    assert_one_line(result, "sshgate.auth")
