"""Every code block of docs/plugins.md is checked.

- Python blocks compile, and import from sshgate only what plugins may import.
- TOML and JSON blocks parse.
- Excerpts (``<!-- from: path -->``) appear verbatim in the example plugin's files.
- The quick-start plugin (``<!-- example: sshgate-hello/... -->``) is assembled and run here,
  its own test included; tests/docs/test_example_plugin.py also installs and tests it.
- Each block of the hook reference is a complete module implementing the hook of its
  heading: pyflakes-clean (ruff), accepted by the plugin manager, and all of them together
  run in one app.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from doc_blocks import PLUGINS_MD, REPO, Block, assemble, blocks

from sshgate.api import Model
from sshgate.plugins import build_plugin_manager, hook_names

BLOCKS = blocks()
PYTHON = [b for b in BLOCKS if b.lang == "python"]
HOOK_BLOCKS = {b.hook: b for b in PYTHON if b.hook}
ALLOWED_SSHGATE = ("sshgate.api", "sshgate.hookspecs", "sshgate.testing")


def ids(items: list[Block]) -> list[str]:
    return [b.id for b in items]


# Every block -------------------------------------------------------------------------------


def test_the_page_has_the_blocks_this_module_checks():
    assert len(PYTHON) > 30
    assert {b.lang for b in BLOCKS} >= {"python", "toml", "js", "json"}
    assert [b for b in BLOCKS if b.marker == "from"], "no excerpts of the example plugin"
    # One plain block per hook, under its own heading (and no heading for a hook that is gone).
    assert sorted(HOOK_BLOCKS) == hook_names()


@pytest.mark.parametrize("hook", hook_names())
def test_every_hook_has_a_heading(hook):
    assert f"\n### {hook}\n" in PLUGINS_MD.read_text()


@pytest.mark.parametrize("block", PYTHON, ids=ids(PYTHON))
def test_python_blocks_compile(block):
    if block.marker == "from":  # an excerpt may stop mid-statement: its file must compile
        assert block.path is not None
        compile((REPO / block.path).read_text(), block.path, "exec")
        return
    # Short API snippets may await at top level, as if inside a route.
    compile(block.code, f"plugins.md:{block.line}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


@pytest.mark.parametrize("block", PYTHON, ids=ids(PYTHON))
def test_python_blocks_import_only_the_public_api(block):
    excerpt = block.marker == "from" and block.path
    source = (REPO / block.path).read_text() if excerpt and block.path else block.code
    tree = ast.parse(source)
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            if name == "sshgate" or name.startswith("sshgate."):
                assert name.startswith(ALLOWED_SSHGATE), f"plugins.md:{block.line} imports {name}"


TOML = [b for b in BLOCKS if b.lang == "toml"]


@pytest.mark.parametrize("block", TOML, ids=ids(TOML))
def test_toml_blocks_parse(block):
    tomllib.loads(block.code)


JSON = [b for b in BLOCKS if b.lang == "json"]


@pytest.mark.parametrize("block", JSON, ids=ids(JSON))
def test_json_blocks_parse(block):
    json.loads(block.code)


EXCERPTS = [b for b in BLOCKS if b.marker == "from"]


@pytest.mark.parametrize("block", EXCERPTS, ids=ids(EXCERPTS))
def test_excerpts_match_the_example_plugin(block):
    assert block.path is not None and block.path.startswith("docs/examples/")
    source = REPO / block.path
    assert source.is_file(), f"plugins.md:{block.line}: no file {block.path}"
    assert block.code in source.read_text(), (
        f"plugins.md:{block.line}: the excerpt is not (any more) in {block.path}"
    )


def test_complete_modules_are_pyflakes_clean(tmp_path):
    """Hook examples and the quick-start files: no undefined or unused names."""
    for hook, block in HOOK_BLOCKS.items():
        (tmp_path / f"hook_{hook}.py").write_text(block.code)
    assemble("sshgate-hello", tmp_path)
    result = subprocess.run(
        [
            *(sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache"),
            *("--select", "F,E9", "--target-version", "py311", "--output-format", "concise"),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# The quick-start plugin --------------------------------------------------------------------


@pytest.fixture(scope="module")
def hello_dir(tmp_path_factory) -> Path:
    return assemble("sshgate-hello", tmp_path_factory.mktemp("docs"))


@pytest.fixture(scope="module")
def hello_module(hello_dir):
    sys.path.insert(0, str(hello_dir))
    try:
        yield importlib.import_module("sshgate_hello")
    finally:
        sys.path.remove(str(hello_dir))
        for name in [n for n in sys.modules if n.split(".")[0] == "sshgate_hello"]:
            del sys.modules[name]


def test_the_quick_start_pyproject_builds_a_plugin(hello_dir):
    project = tomllib.loads((hello_dir / "pyproject.toml").read_text())
    assert project["build-system"]["build-backend"] == "hatchling.build"
    assert project["project"]["name"] == "sshgate-hello" and project["project"]["version"]
    assert "sshgate" in project["project"]["dependencies"]
    assert project["project"]["entry-points"]["sshgate"] == {"hello": "sshgate_hello"}
    assert project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["sshgate_hello"]
    assert project["tool"]["pytest"]["ini_options"]["asyncio_mode"] == "auto"
    # What the wheel packages: the package with its static folder.
    assert (hello_dir / "sshgate_hello" / "__init__.py").is_file()
    assert (hello_dir / "sshgate_hello" / "static" / "hello.js").is_file()


class TestQuickStart:
    @pytest.fixture
    def sshgate_plugins(self, hello_module):
        return [hello_module]

    @pytest.mark.sshgate_db("sqlite")
    async def test_the_first_route_answers_a_signed_in_user(self, client, user_client):
        response = await user_client.get("/api/hello")
        assert response.status_code == 200, await response.get_json()
        assert await response.get_json() == {"message": "Hello, alice!"}
        assert (await client.get("/api/hello")).status_code == 401

    @pytest.mark.sshgate_db("sqlite")
    async def test_its_own_test_passes(self, hello_dir, client, user_client):
        spec = importlib.util.spec_from_file_location(
            "docs_test_hello", hello_dir / "tests" / "test_hello.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        await module.test_hello_greets_signed_in_users(client, user_client)

    @pytest.mark.sshgate_db("sqlite")
    async def test_its_script_is_announced(self, client):
        config = await (await client.get("/api/config")).get_json()
        announced = {"plugin": "sshgate_hello", "url": "static/plugins/hello/hello.js"}
        assert announced in config["ui"]["js"]


# The hook reference ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hook_modules(tmp_path_factory) -> dict[str, ModuleType]:
    """Each hook's example as a module file of its own (``__file__`` works), loaded once."""
    folder = tmp_path_factory.mktemp("hook-examples")
    (folder / "migrations").mkdir()  # register_migrations' folder: no revisions
    tables_before = set(Model.metadata.tables)
    modules = {}
    for hook, block in HOOK_BLOCKS.items():
        path = folder / f"docs_hook_{hook}.py"
        path.write_text(block.code)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules[hook] = module
    yield modules
    # Example models must not reach the suite's models-match-migrations check.
    for name in set(Model.metadata.tables) - tables_before:
        Model.metadata.remove(Model.metadata.tables[name])


@pytest.mark.parametrize("hook", hook_names())
def test_hook_example_is_a_valid_plugin(hook, hook_modules):
    module = hook_modules[hook]
    implementation = getattr(module, hook, None)
    assert implementation is not None, f"the example under ### {hook} does not implement it"
    assert hasattr(implementation, "sshgate_impl"), f"{hook} lacks @hookimpl"
    pm = build_plugin_manager([module], load_entrypoints=False)  # names and sync rules
    assert getattr(pm.hook, hook).get_hookimpls()


class TestHookExamplesTogether:
    @pytest.fixture
    def sshgate_plugins(self, hook_modules):
        return list(hook_modules.values())

    @pytest.mark.sshgate_db("sqlite")
    async def test_they_serve_together(self, app, client, user_client):
        # register_blueprints and register_settings
        response = await user_client.get("/api/notes/whoami")
        assert response.status_code == 200
        assert await response.get_json() == {"username": "alice"}
        assert app.extensions["sshgate"].plugin_settings["notes"].max_notes == 100
        # startup, extra_config, login_methods and asgi_wrapper
        assert "notes.http" in app.extensions
        response = await client.get("/api/config")
        config = await response.get_json()
        assert config["extra"]["notes"] == {"max_length": 2000}
        methods = {m["id"]: m for m in config["extra"]["auth"]["methods"]}
        assert methods["example-sso"]["kind"] == "redirect" and "local" in methods
        assert response.headers["server-timing"].startswith("app;dur=")

    @pytest.mark.sshgate_db("sqlite")
    async def test_the_directory_provider_signs_in_and_events_are_tracked(self, app, client):
        response = await client.post(
            "/api/auth/login",
            json={"username": "carol", "password": "carol-directory-pass", "client": "api"},
        )
        assert response.status_code == 200, await response.get_json()
        token = (await response.get_json())["token"]
        me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        user = (await me.get_json())["user"]
        assert user["source"] == "ldap" and sorted(user["allowed_groups"]) == ["dev", "ops"]
        wrong = await client.post(
            "/api/auth/login", json={"username": "carol", "password": "nope", "client": "api"}
        )
        assert wrong.status_code == 401
        outbox = app.extensions["notes.outbox"]
        names = [outbox.get_nowait()["name"] for _ in range(outbox.qsize())]
        assert "auth.login" in names and "auth.login_failed" in names


def test_the_decider_examples_decide(hook_modules):
    script = type("Actor", (), {"via": "api_key", "is_admin": False, "username": "robot"})()
    server = type("Server", (), {"group": "production", "name": "db-1", "tags": ("frozen",)})()
    allowed = hook_modules["permission_allowed"].permission_allowed
    assert allowed(script, "terminal.open", None) is False
    assert allowed(script, "server.list", None) is None
    share = hook_modules["before_share"].before_share
    assert "read-write" in share(script, server, "rw", 600)
    assert "at most an hour" in share(script, None, "ro", 7200)
    assert share(script, None, "ro", 600) is None
    transfer = hook_modules["before_file_transfer"].before_file_transfer
    assert "deploy pipeline" in transfer(script, server, "write", "/etc/hosts")
    assert transfer(script, server, "read", "/etc/hosts") is None
    connect = hook_modules["before_connect"]
    answer = connect.before_connect(script, server)
    assert (answer is None) == connect.change_window_open()
