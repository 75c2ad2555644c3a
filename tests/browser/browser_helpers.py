"""A real sshgate process, a small JSON client for it, and a page wrapper for screenshots.

The browser tests talk to sshgate the way a person does: a Hypercorn subprocess on a free
loopback port, driven by Debian's Chromium through Playwright.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

# The pieces plugins get too (sshgate.testing.browser); these tests add the Screen helpers.
from sshgate.testing.browser import (
    ADMIN_PASSWORD,
    CHROMIUM,
    FIRST_ADMIN_PASSWORD,
    LAUNCH_ARGS,
    LOOPBACK,
    SECRET_KEY,
    ApiFailure,
    SshgateProcess,
    free_port,
    is_loopback,
    start_sshgate,
    stop_sshgate,
)

__all__ = [
    "ADMIN_PASSWORD",
    "CHROMIUM",
    "FIRST_ADMIN_PASSWORD",
    "LAUNCH_ARGS",
    "LOOPBACK",
    "SECRET_KEY",
    "WIDTHS",
    "ApiFailure",
    "Gate",
    "Screen",
    "eventually",
    "free_port",
    "is_loopback",
    "start_gate",
    "stop_gate",
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
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


class Gate(SshgateProcess):
    """The running sshgate of a test module (the shipped ``SshgateProcess``)."""

    def admin_changed(self) -> bool:
        return self.admin_password != FIRST_ADMIN_PASSWORD

    def ensure_admin(self) -> str:
        """An API token of an admin whose first-login password change is done."""
        return self.admin_token()


def start_gate(tmp: Path, root_path: str = "") -> Gate:
    # PYTHONPATH empty: the core's page as users get it, without the test-only plugins.
    env = {"PYTHONPATH": "", **({"SSHGATE_ROOT_PATH": root_path} if root_path else {})}
    server = start_sshgate(tmp, env)
    return Gate(server.url, server.process, server.log_path)


def stop_gate(gate: Gate) -> None:
    stop_sshgate(gate)


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
