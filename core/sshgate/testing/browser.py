"""Opt-in pytest plugin for real-browser tests: ``pytest_plugins = ["sshgate.testing.browser"]``.

sshgate runs as a real Hypercorn subprocess (``sshgate serve`` from the current interpreter,
SQLite in a temporary folder, a free loopback port); Chromium is driven through Playwright's
sync API. Fixtures:

- ``sshgate_server`` (module): a :class:`SshgateProcess`: ``url``, ``call()``, ``login()``,
  ``admin()`` (an API client as the bootstrap ``admin``), ``log()``.
- ``sshgate_server_env`` (module): extra environment for that process (override it).
- ``sshgate_browser`` (module): a Playwright ``Browser`` (Chromium at ``/usr/bin/chromium``,
  or ``SSHGATE_TEST_CHROMIUM``); skipped loudly when missing, a failure under ``CI=true``.
- ``sshgate_page`` (function): a :class:`BrowserPage` in a fresh browser context; the test
  fails on page errors, console errors, dialogs and requests to non-loopback origins.
- ``sshgate_artifacts_dir`` (session): where screenshots go (``SSHGATE_TEST_ARTIFACTS``, else
  ``<rootdir>/test-artifacts/browser``).

Browser tests are plain ``def`` tests (Playwright's sync API runs its own event loop): keep
them in modules of their own, apart from ``async def`` tests.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from .services import unavailable

CHROMIUM = os.environ.get("SSHGATE_TEST_CHROMIUM", "/usr/bin/chromium")
# Without the networking flags Chromium calls home (updates, sync, QUIC probes).
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SECRET_KEY = "sshgate-browser-test-secret-key-" + "s" * 32  # 64 characters
FIRST_ADMIN_PASSWORD = "first-admin-pass-1"  # SSHGATE_ADMIN_PASSWORD: must be changed
ADMIN_PASSWORD = "admin-chosen-pass-2"  # what admin() and sign_in_admin() change it to
START_TIMEOUT = 90.0  # seconds until /api/health answers: generous for loaded CI machines
VIEWPORT = {"width": 1440, "height": 900}
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in LOOPBACK


class ApiFailure(Exception):
    """A non-2xx answer: ``status`` and the decoded JSON ``body``."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


@dataclass
class SshgateProcess:
    """A running ``sshgate serve``: its URL (ending in ``/``) and a small JSON client."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    admin_password: str = FIRST_ADMIN_PASSWORD
    tokens: dict[str, str] = field(default_factory=dict)

    def log(self) -> str:
        """What the server printed so far (its log lines)."""
        return self.log_path.read_text(errors="replace")

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        """``call("GET", "api/notes", token=t)``: the decoded JSON answer; raises ApiFailure."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path.lstrip("/"), data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                answer = json.loads(raw or b"null")
            except ValueError:
                answer = raw.decode(errors="replace")
            raise ApiFailure(error.code, answer) from None

    def login(self, username: str, password: str) -> str:
        """An API token for ``username`` (``POST api/auth/login`` with ``client="api"``)."""
        answer = self.call(
            "POST", "api/auth/login", {"username": username, "password": password, "client": "api"}
        )
        return str(answer["token"])

    def admin_token(self) -> str:
        """A token of the bootstrap ``admin``, whose forced first password change is done
        (the password becomes ``ADMIN_PASSWORD``)."""
        if "admin" not in self.tokens:
            token = self.login("admin", self.admin_password)
            if self.admin_password == FIRST_ADMIN_PASSWORD:
                self.call(
                    "POST",
                    "api/auth/password",
                    {"current_password": FIRST_ADMIN_PASSWORD, "new_password": ADMIN_PASSWORD},
                    token,
                )
                self.admin_password = ADMIN_PASSWORD
            self.tokens["admin"] = token
        return self.tokens["admin"]

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """``admin("POST", "api/servers", {...})``: a call as the administrator."""
        return self.call(method, path, body, self.admin_token())


def start_sshgate(
    folder: Path,
    env: Mapping[str, str] | None = None,
    *,
    pythonpath: list[str] | None = None,
    timeout: float = START_TIMEOUT,
    args: Sequence[str] = (),
) -> SshgateProcess:
    """Start ``python -m sshgate serve`` on a free loopback port with its database in
    ``folder``; returns once ``api/health`` answers ``ok``. ``env`` adds or overrides
    variables (``SSHGATE_ROOT_PATH``, your plugin's ``SSHGATE_<NAME>_*``, ...); ``args`` are
    more options of ``sshgate serve`` (``["--sandbox"]``)."""
    port = free_port()
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    paths += [p for p in pythonpath or [] if p not in paths]
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "SSHGATE_HOST": "127.0.0.1",
        "SSHGATE_SECRET_KEY": SECRET_KEY,
        "SSHGATE_DB_URL": f"sqlite+aiosqlite:///{folder / 'sshgate.db'}",
        "SSHGATE_ADMIN_PASSWORD": FIRST_ADMIN_PASSWORD,
        "SSHGATE_PASSWORD_HASH_ROUNDS": "4",
    }
    if paths:
        environ["PYTHONPATH"] = os.pathsep.join(paths)
    environ.update(env or {})
    if not environ.get("PYTHONPATH"):
        environ.pop("PYTHONPATH", None)
    root_path = environ.get("SSHGATE_ROOT_PATH", "").rstrip("/")
    log_path = folder / "sshgate.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "sshgate", "serve", "--port", str(port), *args],
            env=environ,
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = SshgateProcess(f"http://127.0.0.1:{port}{root_path}/", process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshgate exited with {process.returncode}:\n{server.log()}")
        try:
            if server.call("GET", "api/health").get("status") == "ok":
                return server
        except (OSError, ApiFailure, ValueError):
            pass
        time.sleep(0.2)
    stop_sshgate(server)
    raise RuntimeError(f"sshgate did not answer api/health within {timeout:g} s:\n{server.log()}")


def stop_sshgate(server: SshgateProcess) -> None:
    # Hypercorn's graceful shutdown waits for WebSockets of browsers that are long gone;
    # a throwaway test database needs none of those seconds.
    server.process.terminate()
    try:
        server.process.wait(timeout=3)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


class BrowserPage:
    """A Playwright page (``.page``) on ``.server``, and what went wrong on it."""

    def __init__(self, page: Any, server: SshgateProcess, name: str, artifacts: Path) -> None:
        self.page = page
        self.server = server
        self.name = name
        self.artifacts = artifacts
        self.problems: list[str] = []
        self.username: str | None = None  # who sign_in() signed in
        self._allowed: list[str] = []

    def allow_problem(self, fragment: str) -> None:
        """A console error (or other problem) the test provokes on purpose."""
        self._allowed.append(fragment)

    def unexpected_problems(self) -> list[str]:
        return [p for p in self.problems if not any(a in p for a in self._allowed)]

    def open(self, path: str = "") -> None:
        """Load the page and wait until it is ready (signed in, or the login form shown)."""
        self.page.goto(self.server.url + path.lstrip("/"))
        self.page.wait_for_selector("html[data-ready]", state="attached")

    def sign_in(self, username: str, password: str) -> None:
        """Fill and send the login form (the page must show it)."""
        self.page.locator("#login-username").fill(username)
        self.page.locator("#login-password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.username = username

    def sign_in_admin(self) -> None:
        """Open the page and sign in as ``admin``; the forced first password change is done
        through the API first. Returns once the workspace shows."""
        self.server.admin_token()
        self.open()
        self.sign_in("admin", self.server.admin_password)
        self.page.get_by_role("banner").wait_for()

    def menu_item(self, label: str) -> None:
        """Run an entry of the user menu (a plugin's ``menuItems``), as a person would."""
        if self.username is None:
            raise RuntimeError("sign in first: the user menu is the signed-in user's")
        self.page.get_by_role("button", name=self.username, exact=True).click()
        self.page.get_by_role("menuitem", name=label, exact=True).click()

    def palette(self, command: str) -> None:
        """Run a command palette entry (a plugin's ``paletteCommands``) by typing its label."""
        self.page.keyboard.press("Control+k")
        self.page.keyboard.type(command)
        self.page.keyboard.press("Enter")

    def screenshot(self, step: str, *, full_page: bool = True) -> Path:
        """Save ``<artifacts>/<test name>-<step>.png``; returns its path."""
        self.artifacts.mkdir(parents=True, exist_ok=True)
        path = self.artifacts / f"{self.name}-{step}.png"
        self.page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        return path


def watch(page: Any, problems: list[str]) -> None:
    """Record page errors, console errors, dialogs and non-loopback requests in ``problems``."""

    def on_console(message: Any) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text} at {message.location}")

    def on_request(request: Any) -> None:
        if not is_loopback(request.url):
            problems.append(f"request to a non-loopback origin: {request.url}")

    def on_websocket(ws: Any) -> None:
        if not is_loopback(ws.url):
            problems.append(f"WebSocket to a non-loopback origin: {ws.url}")

    def on_dialog(dialog: Any) -> None:
        problems.append(f"browser dialog ({dialog.type}): {dialog.message}")
        dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("request", on_request)
    page.on("websocket", on_websocket)
    page.on("dialog", on_dialog)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real Chromium through Playwright")


@pytest.fixture(scope="session")
def sshgate_artifacts_dir(pytestconfig: pytest.Config) -> Path:
    """Where ``BrowserPage.screenshot`` saves: ``SSHGATE_TEST_ARTIFACTS`` or
    ``<rootdir>/test-artifacts/browser``."""
    folder = os.environ.get("SSHGATE_TEST_ARTIFACTS")
    return Path(folder) if folder else pytestconfig.rootpath / "test-artifacts" / "browser"


@pytest.fixture(scope="module")
def sshgate_server_env() -> dict[str, str]:
    """Extra environment for ``sshgate_server``; override it in a conftest or module."""
    return {}


@pytest.fixture(scope="module")
def sshgate_server(
    tmp_path_factory: pytest.TempPathFactory,
    pytestconfig: pytest.Config,
    sshgate_server_env: dict[str, str],
) -> Iterator[SshgateProcess]:
    """sshgate as a Hypercorn subprocess for the module, stopped afterwards. It sees what
    this interpreter has installed, plus ``PYTHONPATH`` and pytest's ``pythonpath``."""
    ini_paths = [str(p) for p in pytestconfig.getini("pythonpath")]
    server = start_sshgate(
        tmp_path_factory.mktemp("sshgate-server"), sshgate_server_env, pythonpath=ini_paths
    )
    try:
        yield server
    finally:
        stop_sshgate(server)


@pytest.fixture(scope="module")
def sshgate_browser() -> Iterator[Any]:
    """Chromium through Playwright's sync API, for the module."""
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium at {CHROMIUM} (apt-get install -y --no-install-recommends chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package (pip install 'sshgate[test]')")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


def _test_name(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name.removeprefix("test_")).strip("-")


@pytest.fixture
def sshgate_page(
    sshgate_browser: Any,
    sshgate_server: SshgateProcess,
    sshgate_artifacts_dir: Path,
    request: pytest.FixtureRequest,
) -> Iterator[BrowserPage]:
    """A fresh browser context and page on ``sshgate_server``; the test fails at teardown if
    the page reported errors or reached beyond loopback."""
    context = sshgate_browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)  # generous: CI shares two cores with other work
    page = context.new_page()
    watched = BrowserPage(page, sshgate_server, _test_name(request), sshgate_artifacts_dir)
    watch(page, watched.problems)
    try:
        yield watched
    finally:
        context.close()
    problems = watched.unexpected_problems()
    assert not problems, "the page reported problems:\n" + "\n".join(problems)


__all__: list[str] = [
    "ADMIN_PASSWORD",
    "CHROMIUM",
    "FIRST_ADMIN_PASSWORD",
    "LAUNCH_ARGS",
    "ApiFailure",
    "BrowserPage",
    "SshgateProcess",
    "is_loopback",
    "sshgate_artifacts_dir",
    "sshgate_browser",
    "sshgate_page",
    "sshgate_server",
    "sshgate_server_env",
    "start_sshgate",
    "stop_sshgate",
]
