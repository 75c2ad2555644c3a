"""One test per hook, through the test plugin installed as its own distribution
(``tests/plugins/testplugin``, found through the ``sshgate`` entry point)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import inspect as inspect_db
from sshgate_testplugin import (
    ASGI_HEADER,
    FLAKY,
    SINGLETON,
    SINGLETON_TTL,
    TASK_INTERVAL,
    TICK,
)

from sshgate.api import BackgroundTask, hookimpl, lease
from sshgate.app import create_app
from sshgate.errors import StartupError
from sshgate.plugins import build_plugin_manager, hook_names
from sshgate.testing.fixtures import TEST_SECRET_KEY
from sshgate.testing.live import free_port
from sshgate.testing.terminal import eventually
from sshgate.testing.users import DEFAULT_PASSWORD, create_user, login

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


@pytest.fixture
def sshgate_plugins(request):
    return getattr(request, "param", [])


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
    with pytest.raises(StartupError, match="SSHGATE_TESTPLUGIN_GRETING"):
        create_app(sshgate_settings, environ={"SSHGATE_TESTPLUGIN_GRETING": "x"})
    with pytest.raises(StartupError, match="SSHGATE_TESTPLUGIN_MAX_NOTES"):
        create_app(sshgate_settings, environ={"SSHGATE_TESTPLUGIN_MAX_NOTES": "many"})


async def test_hook_register_migrations(app, user_client):
    async with app.extensions["sshgate"].db.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect_db(c).get_table_names())
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


class AuthExtra:
    """A second plugin adding to a key another plugin (the core's auth) also fills."""

    __name__ = "auth_extra"

    @staticmethod
    @hookimpl
    def extra_config():
        return {"auth": {"notice": "use your directory password"}}


@pytest.mark.parametrize("sshgate_plugins", [[AuthExtra]])
async def test_hook_extra_config_merges_shared_keys_one_level_deep(client):
    auth = (await (await client.get("/api/config")).get_json())["extra"]["auth"]
    assert auth["notice"] == "use your directory password"
    assert "local" in [m["id"] for m in auth["methods"]]


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


async def test_hook_track_event_isolates_a_failing_plugin(sshgate_settings, caplog):
    def broken(event):
        raise RuntimeError("boom")

    failing = types.ModuleType("sshgate_broken_tracker")
    failing.track_event = hookimpl(broken)
    app = create_app(sshgate_settings, plugins=[failing], environ={})
    async with app.test_app():
        # The startup event reached the test plugin although the other plugin raised.
        assert [e.name for e in app.extensions["testplugin"]["events"]] == ["app.startup"]
    [record] = [r for r in caplog.records if "sshgate_broken_tracker" in r.getMessage()]
    assert record.getMessage() == "plugin sshgate_broken_tracker failed in track_event"
    assert record.exc_info is not None


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


def test_cli_lists_the_entry_point_plugin(test_plugins_dir):
    result = subprocess.run(
        [sys.executable, "-m", "sshgate", "plugins", "--json"],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(test_plugins_dir),
            "SSHGATE_DB_URL": "sqlite+aiosqlite:///:memory:",
        },
        check=True,
    )
    assert '"name": "testplugin"' in result.stdout


# Hooks of contract 1.3.


async def wait_until(condition, *, within: float = 30.0, what: str = ""):
    """Poll ``condition`` (sync or async) until it returns something truthy; return that."""
    return await eventually(condition, what or repr(condition), within)


async def task_runs(client) -> dict[str, int]:
    response = await client.get("/api/testplugin/tasks")
    assert response.status_code == 200, await response.get_json()
    return (await response.get_json())["runs"]


async def test_hook_register_background_tasks(user_client):
    # A task runs again and again, every TASK_INTERVAL seconds, after startup.
    first = (await task_runs(user_client))[TICK]
    await wait_until(
        lambda: _ran_more(user_client, TICK, first + 5), what=f"{TICK} ran 5 more times"
    )


async def test_health_says_which_singleton_tasks_this_worker_holds(client):
    async def holds() -> bool:
        health = await (await client.get("/api/health")).get_json()
        return health["roles"].get(SINGLETON) is True  # installed plugins add their own

    await wait_until(holds, what="the only worker holds the singleton's lease")


async def _ran_more(client, task: str, at_least: int) -> bool:
    return (await task_runs(client))[task] >= at_least


async def test_a_raising_background_task_is_logged_and_keeps_running(admin_client, caplog):
    armed = await admin_client.post("/api/testplugin/tasks/flaky", json={"failures": 2})
    runs_then = (await armed.get_json())["runs"]
    await wait_until(
        lambda: _ran_more(admin_client, FLAKY, runs_then + 5),
        what=f"{FLAKY} ran on after its failures",
    )
    failures = [
        r
        for r in caplog.records
        if r.getMessage() == f"plugin testplugin failed in background task {FLAKY}"
    ]
    assert len(failures) == 2
    assert all(r.levelno == logging.ERROR and r.exc_info for r in failures)
    assert "fails on purpose" in str(failures[0].exc_info[1])


async def test_background_tasks_start_after_startup_and_stop_at_shutdown(sshgate_settings):
    app = create_app(sshgate_settings, environ={})
    assert "testplugin" not in app.extensions  # nothing ran while the app was only built
    async with app.test_app():
        runs = app.extensions["testplugin"]["task_runs"]
        await wait_until(lambda: runs[TICK] >= 3, what="the tick task ran")
    stopped = runs[TICK]
    # An absence cannot be waited for: five intervals without a run.
    await asyncio.sleep(5 * TASK_INTERVAL)
    assert runs[TICK] == stopped


def test_background_tasks_are_validated_at_start(sshgate_settings):
    bad = types.SimpleNamespace(
        register_background_tasks=hookimpl(
            lambda: [BackgroundTask(name=TICK, run=lambda app: None, interval=1)]
        )
    )
    with pytest.raises(StartupError, match=f"two background tasks are named '{TICK}'"):
        create_app(sshgate_settings, plugins=[bad], environ={})
    zero = types.SimpleNamespace(
        register_background_tasks=hookimpl(
            lambda: [BackgroundTask(name="zero", run=lambda app: None, interval=0)]
        )
    )
    with pytest.raises(StartupError, match="needs interval and ttl > 0"):
        create_app(sshgate_settings, plugins=[zero], environ={})


async def singleton_runs(client) -> int:
    return (await task_runs(client))[SINGLETON]


@pytest.mark.sshgate_db("postgresql")
async def test_singleton_task_runs_on_one_worker_and_moves_when_it_stops(sshgate_settings):
    one = create_app(sshgate_settings, environ={})
    two = create_app(sshgate_settings, environ={})
    assert one.extensions["sshgate"].instance_id != two.extensions["sshgate"].instance_id
    async with one.test_app() as first, two.test_app() as second:
        await create_user(one, "watcher")
        workers = {
            "one": (first, await login(one, "watcher")),
            "two": (second, await login(two, "watcher")),
        }

        async def runs() -> dict[str, int]:
            return {name: await singleton_runs(c) for name, (_, c) in workers.items()}

        seen = await wait_until(lambda: _some_ran(runs), what="the singleton ran somewhere")
        holder = next(name for name, count in seen.items() if count)
        other = "two" if holder == "one" else "one"
        holder_app, holder_client = workers[holder]
        other_client = workers[other][1]
        # Three seconds of runs span three lease renewals of the other worker: still idle.
        target = seen[holder] + 30
        await wait_until(
            lambda: _at_least(singleton_runs(holder_client), target),
            what="the holder kept running the singleton",
        )
        assert await singleton_runs(other_client) == 0
        # The holder stops (shutdown gives the lease up): the other takes over within ttl.
        await holder_app.shutdown()
        stopped = time.monotonic()
        await wait_until(
            lambda: _at_least(singleton_runs(other_client), 1),
            what="the other worker took the singleton over",
        )
        assert time.monotonic() - stopped < SINGLETON_TTL


async def _some_ran(runs) -> dict[str, int] | None:
    seen = await runs()
    return seen if any(seen.values()) else None


async def _at_least(count, target: int) -> bool:
    return await count >= target


@contextlib.contextmanager
def sshgate_serve(env: dict[str, str], log_file: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """``sshgate serve`` in a process of its own (Hypercorn importing sshgate.asgi:app)."""
    port = free_port()
    with log_file.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sshgate", "serve", "--port", str(port)],
            env={"PATH": "/usr/bin:/bin", "SSHGATE_HOST": "127.0.0.1", **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}{env.get('SSHGATE_ROOT_PATH', '')}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"sshgate serve exited {proc.returncode}: {log_file.read_text()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"sshgate serve did not answer within 60 s: {log_file.read_text()}")
            time.sleep(0.1)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.mark.sshgate_db("postgresql")
async def test_singleton_lease_of_a_dead_worker_expires_after_ttl(
    sshgate_settings, test_plugins_dir, tmp_path
):
    # The schema and a user first, from an app without the test plugin (so no singleton).
    setup = create_app(sshgate_settings, load_entrypoints=False, environ={})
    async with setup.test_app():
        await create_user(setup, "watcher")
    env = {
        "PYTHONPATH": str(test_plugins_dir),
        "SSHGATE_DB_URL": sshgate_settings.db_url,
        "SSHGATE_SECRET_KEY": TEST_SECRET_KEY,
    }
    with sshgate_serve(env, tmp_path / "serve.log") as (base, proc):
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            answer = await http.post(
                "/api/auth/login",
                json={"username": "watcher", "password": DEFAULT_PASSWORD, "client": "api"},
            )
            http.headers["Authorization"] = f"Bearer {answer.json()['token']}"

            async def dead_or_alive_runs() -> int:
                return (await http.get("/api/testplugin/tasks")).json()["runs"][SINGLETON]

            first = await wait_until(dead_or_alive_runs, what="the serve process ran it")
            app = create_app(sshgate_settings, environ={})
            async with app.test_app():
                mine = await login(app, "watcher")
                await wait_until(
                    lambda: _at_least(dead_or_alive_runs(), first + 15),
                    what="the serve process kept the singleton",
                )
                assert await singleton_runs(mine) == 0
                # Killed: no shutdown, no release. The lease has to expire first.
                proc.kill()
                proc.wait()
                killed = time.monotonic()
                await wait_until(
                    lambda: _at_least(singleton_runs(mine), 1),
                    what="this worker took over the dead worker's singleton",
                )
                elapsed = time.monotonic() - killed
    # Renewed every ttl/3, so it was valid for at least 2/3 ttl after the kill, at most ttl
    # (plus one renewal period until this worker tries again).
    assert SINGLETON_TTL / 2 < elapsed < 2 * SINGLETON_TTL, elapsed


async def test_lease_expires_after_ttl_without_release(sshgate_settings):
    one = create_app(sshgate_settings, load_entrypoints=False, environ={})
    two = create_app(sshgate_settings, load_entrypoints=False, environ={})
    async with one.test_app(), two.test_app():
        mine, theirs = lease("probe", 1.0, one), lease("probe", 1.0, two)
        assert await mine.acquire() is True
        taken = time.monotonic()
        assert await mine.acquire() is True and mine.generation == 1  # renewing keeps it
        assert await theirs.acquire() is False and not theirs.held
        # The holder goes silent (no renewal, no release): the lease is free after ttl.
        await wait_until(theirs.acquire, what="the lease expired")
        assert time.monotonic() - taken >= 0.9
        assert theirs.generation == 2  # a fencing token: the former holder's work is stale
        assert await mine.acquire() is False and not mine.held
        await theirs.release()
        assert await mine.acquire() is True and mine.generation == 3


@pytest.mark.parametrize(
    ("sshgate_settings_overrides", "prefix"),
    [({}, ""), ({"root_path": "/gate"}, "/gate")],
    indirect=["sshgate_settings_overrides"],
)
async def test_hook_asgi_wrapper(live_server, prefix):
    async with httpx.AsyncClient(base_url=live_server.url + prefix) as http:
        for path in ("/api/health", "/api/testplugin/greeting", "/api/no-such-route"):
            response = await http.get(path)
            assert response.headers[ASGI_HEADER] == (prefix or "-"), path
        # The wrapper sits inside the host's own layers: security headers still apply.
        assert response.status_code == 404
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_asgi_wrapper_under_sshgate_serve_with_a_root_path(test_plugins_dir, tmp_path):
    env = {
        "PYTHONPATH": str(test_plugins_dir),
        "SSHGATE_DB_URL": f"sqlite+aiosqlite:///{tmp_path}/serve.db",
        "SSHGATE_SECRET_KEY": TEST_SECRET_KEY,
        "SSHGATE_ROOT_PATH": "/gate",
    }
    with sshgate_serve(env, tmp_path / "serve.log") as (base, _):
        response = httpx.get(f"{base}/api/testplugin/greeting")
        assert response.json() == {"greeting": "hello"}
        assert response.headers[ASGI_HEADER] == "/gate"


def _outer_wrapper(inner):
    async def wrapped(scope, receive, send):
        async def send_marked(message):
            if message["type"] == "http.response.start":
                seen = (scope.get("root_path") or "-").encode()
                message = {**message, "headers": [*message["headers"], (b"x-outer", seen)]}
            await send(message)

        await inner(scope, receive, send_marked if scope["type"] == "http" else send)

    return wrapped


outer = types.ModuleType("sshgate_outer_wrapper")
outer.asgi_wrapper = hookimpl(lambda: _outer_wrapper)


@pytest.mark.parametrize(
    ("sshgate_plugins", "sshgate_settings_overrides"),
    [([outer], {"root_path": "/gate"})],
    indirect=True,
)
async def test_asgi_wrappers_nest_with_the_last_registered_outermost(live_server):
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{live_server.url}/gate/api/health")
    names = [name.lower() for name, _ in response.headers.multi_items()]
    # The inner wrapper (the entry point, registered first) marks the response first.
    assert names.index(ASGI_HEADER.lower()) < names.index("x-outer")
    assert response.headers["x-outer"] == response.headers[ASGI_HEADER] == "/gate"


def test_asgi_wrapper_must_return_a_callable(sshgate_settings):
    broken = types.SimpleNamespace(asgi_wrapper=hookimpl(lambda app: "not a wrapper"))
    with pytest.raises(StartupError, match="asgi_wrapper returned 'not a wrapper'"):
        create_app(sshgate_settings, plugins=[broken], environ={})


async def test_hook_login_methods(client):
    config = await (await client.get("/api/config")).get_json()
    methods = config["extra"]["auth"]["methods"]
    assert {"id": "local", "kind": "password", "label": "Username and password", "url": None} in (
        methods
    )
    assert {"id": "testdir", "kind": "password", "label": "Test directory", "url": None} in methods
    assert {
        "id": "testsso",
        "kind": "redirect",
        "label": "Sign in with TestSSO",
        "url": "api/testplugin/sso/start",
    } in methods
    assert len(methods) == 3


async def test_login_methods_that_are_not_login_methods_are_left_out(sshgate_settings, caplog):
    sloppy = types.SimpleNamespace(login_methods=hookimpl(lambda: [{"id": "dict"}]))
    app = create_app(sshgate_settings, plugins=[sloppy], load_entrypoints=False, environ={})
    async with app.test_app():
        config = await (await app.test_client().get("/api/config")).get_json()
    assert [m["id"] for m in config["extra"]["auth"]["methods"]] == ["local"]
    assert "failed in login_methods: returned {'id': 'dict'}" in caplog.text
