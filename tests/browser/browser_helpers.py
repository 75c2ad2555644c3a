"""A real sshgate process, a small JSON client for it, and a page wrapper for screenshots.

The browser tests talk to sshgate the way a person does: a Hypercorn subprocess on a free
loopback port, driven by Debian's Chromium through Playwright.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
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
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
SECRET_KEY = "browser-test-secret-key-" + "k" * 24  # 48 characters
FIRST_ADMIN_PASSWORD = "first-admin-pass-1"
ADMIN_PASSWORD = "admin-chosen-pass-2"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
WIDTHS = {"phone": (390, 844), "wide": (1440, 900)}
# The bound of every Playwright wait (actions, wait_for_*, expect): generous, because a
# loaded CI machine can stall a page for seconds; the waits themselves poll for a condition.
TIMEOUT_MS = 30_000


T = TypeVar("T")


def eventually(check: Callable[[], T], what: str, timeout: float = TIMEOUT_MS / 1000) -> T:
    """Poll ``check`` until it returns something true, and return that; fail after
    ``timeout`` seconds, saying ``what`` never came true. For state outside the page (the
    gate's API, the files on disk); Playwright's own waits poll the page."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"still not so after {timeout:g} s: {what}")
        time.sleep(0.1)
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ApiFailure(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


@dataclass
class Gate:
    """A running sshgate: its URL (with the root path) and an admin API client."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    admin_password: str = FIRST_ADMIN_PASSWORD
    tokens: dict[str, str] = field(default_factory=dict)

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raise ApiFailure(error.code, json.loads(error.read() or b"null")) from None

    def login(self, username: str, password: str) -> str:
        answer = self.call(
            "POST", "api/auth/login", {"username": username, "password": password, "client": "api"}
        )
        return answer["token"]

    def admin_changed(self) -> bool:
        return self.admin_password != FIRST_ADMIN_PASSWORD

    def ensure_admin(self) -> str:
        """An API token of an admin whose first-login password change is done."""
        if "admin" in self.tokens:
            return self.tokens["admin"]
        token = self.login("admin", self.admin_password)
        if not self.admin_changed():
            self.call(
                "POST",
                "api/auth/password",
                {"current_password": FIRST_ADMIN_PASSWORD, "new_password": ADMIN_PASSWORD},
                token,
            )
            self.admin_password = ADMIN_PASSWORD
        self.tokens["admin"] = token
        return token

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        return self.call(method, path, body, self.ensure_admin())


def start_gate(tmp: Path, root_path: str = "") -> Gate:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp),
        "SSHGATE_HOST": "127.0.0.1",
        "SSHGATE_SECRET_KEY": SECRET_KEY,
        "SSHGATE_DB_URL": f"sqlite+aiosqlite:///{tmp / 'b.db'}",
        "SSHGATE_ADMIN_PASSWORD": FIRST_ADMIN_PASSWORD,
        "SSHGATE_PASSWORD_HASH_ROUNDS": "4",
    }
    if root_path:
        env["SSHGATE_ROOT_PATH"] = root_path
    log_path = tmp / "sshgate.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "sshgate", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    gate = Gate(f"http://127.0.0.1:{port}{root_path}/", process, log_path)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshgate exited early:\n{log_path.read_text()}")
        try:
            if gate.call("GET", "api/health")["status"] == "ok":
                return gate
        except (OSError, ApiFailure):
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"sshgate did not answer api/health:\n{log_path.read_text()}")


def stop_gate(gate: Gate) -> None:
    # Hypercorn's graceful shutdown waits for WebSockets whose browsers are already gone;
    # nothing in a throwaway test database needs those seconds.
    gate.process.terminate()
    try:
        gate.process.wait(timeout=1)
    except subprocess.TimeoutExpired:
        gate.process.kill()
        gate.process.wait()


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in LOOPBACK


class Screen:
    """A Playwright page plus the problems seen on it and screenshot helpers."""

    def __init__(self, page: Any, gate: Gate, test_name: str) -> None:
        self.page = page
        self.gate = gate
        self.test_name = test_name
        self.problems: list[str] = []
        self.allowed: list[str] = []
        self.dialogs: list[str] = []

    # -- problems -----------------------------------------------------------------------
    def allow_console_error(self, fragment: str) -> None:
        """An error the test provokes on purpose (say, a 404 it expects)."""
        self.allowed.append(fragment)

    def unexpected_problems(self) -> list[str]:
        return [p for p in self.problems if not any(a in p for a in self.allowed)]

    # -- navigation -----------------------------------------------------------------------
    def open(self) -> None:
        self.page.goto(self.gate.url)
        # main.js marks <html data-ready> once the session is resumed (or the login shows).
        self.page.wait_for_selector("html[data-ready]", state="attached")

    def sign_in(self, username: str, password: str) -> None:
        self.page.locator("#login-username").fill(username)
        self.page.locator("#login-password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()

    def sign_in_admin(self) -> None:
        self.gate.ensure_admin()
        self.open()
        self.sign_in("admin", self.gate.admin_password)
        self.wait_for_workspace()

    def wait_for_workspace(self) -> None:
        self.page.get_by_role("banner").wait_for()

    def theme(self) -> str:
        return self.page.evaluate("document.documentElement.dataset.theme")

    # -- screenshots ------------------------------------------------------------------------
    def shot(self, step: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.test_name}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path

    def shots(self, step: str, widths: tuple[str, ...] = ("phone", "wide")) -> None:
        """The current screen at phone and wide widths, in both themes."""
        before_theme = self.theme()
        before_size = self.page.viewport_size
        for width in widths:
            self.page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
            for theme in ("light", "dark"):
                self.page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
                self.shot(f"{step}-{WIDTHS[width][0]}-{theme}")
        self.page.evaluate(f"document.documentElement.dataset.theme = '{before_theme}'")
        self.page.set_viewport_size(before_size)


def seed_servers(gate: Gate) -> None:
    existing = {s["name"] for s in gate.admin("GET", "api/servers")["servers"]}
    rows = [
        {
            "name": "web-1",
            "host": "10.0.1.21",
            "username": "deploy",
            "group": "production",
            "tags": ["nginx", "eu-west-1"],
        },
        {
            "name": "web-2",
            "host": "10.0.1.22",
            "username": "deploy",
            "group": "production",
            "tags": ["nginx"],
        },
        {
            "name": "db-primary",
            "host": "10.0.1.10",
            "username": "postgres",
            "group": "production",
            "tags": ["postgres"],
        },
        {
            "name": "worker",
            "host": "worker.staging.internal",
            "username": "ops",
            "group": "staging",
            "tags": ["queue"],
        },
        # A port nothing listens on, so that connection tests fail fast and for sure.
        {"name": "sandbox", "host": "127.0.0.1", "port": free_port(), "username": "demo"},
    ]
    for row in rows:
        if row["name"] not in existing:
            gate.admin("POST", "api/servers", {**row, "password": "not-a-real-secret"})
