"""The Site Manager's status dots in Chromium (MON-1): a real sshgate process probing a real
SSH server (green) and a closed port (red); the dot's tooltip says why and since when."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from sshgate.testing.browser import BrowserPage, free_port
from sshgate.testing.ssh import TEST_PASSWORD, TEST_USER, SSHTestServer
from sshgate.testing.terminal import WITHIN

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000  # generous: two shared cores, a gateway, its prober and a browser


@pytest.fixture(scope="module", autouse=True)
def patient_expect() -> None:
    expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def sshgate_server_env() -> dict[str, str]:
    return {"SSHGATE_MONITOR_INTERVAL": "0.5", "SSHGATE_MONITOR_TIMEOUT": "3"}


class ThreadedSSHServer:
    """The in-process asyncssh server on a loop of its own thread: Playwright's sync API
    runs in this one."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        started = asyncio.run_coroutine_threadsafe(SSHTestServer().start(), self.loop)
        self.server = started.result(timeout=30)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


@pytest.fixture(scope="module")
def ssh_target() -> Iterator[ThreadedSSHServer]:
    target = ThreadedSSHServer()
    yield target
    target.close()


def add_server(gate: BrowserPage, name: str, port: int) -> int:
    created = gate.server.admin(
        "POST",
        "api/servers",
        {
            "name": name,
            "host": "127.0.0.1",
            "port": port,
            "username": TEST_USER,
            "password": TEST_PASSWORD,
        },
    )
    return int(created["id"])


def wait_probed(gate: BrowserPage, expected: dict[int, str]) -> None:
    """Until the status API reports every server in ``expected`` in its state (polled with
    a deadline: the prober runs every half second)."""
    deadline = time.monotonic() + WITHIN
    rows: dict[int, Any] = {}
    while time.monotonic() < deadline:
        answer = gate.server.admin("GET", "api/monitoring/status")
        rows = {row["id"]: row for row in answer["servers"]}
        if all(rows.get(i, {}).get("state") == state for i, state in expected.items()):
            return
        time.sleep(0.2)
    raise AssertionError(f"servers not probed as {expected} within {WITHIN} s: {rows}")


def dot(gate: BrowserPage, name: str) -> Any:
    item = gate.page.get_by_role("navigation", name="Servers").get_by_role(
        "button", name=re.compile(f"^{re.escape(name)} ")
    )
    return item.locator(".status-dot")


def shots(gate: BrowserPage, step: str) -> None:
    page = gate.page
    before = page.evaluate("document.documentElement.dataset.theme")
    for theme in ("light", "dark"):
        page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
        gate.screenshot(f"{step}-{theme}", full_page=False)
    page.evaluate(f"document.documentElement.dataset.theme = '{before}'")


def test_the_site_manager_shows_green_and_red_dots(sshgate_page, ssh_target):
    gate = sshgate_page
    gate.server.admin_token()
    up = add_server(gate, "web-up", ssh_target.server.port)
    down = add_server(gate, "web-down", free_port())  # nothing listens there
    wait_probed(gate, {up: "online", down: "offline"})

    gate.sign_in_admin()
    green, red = dot(gate, "web-up"), dot(gate, "web-down")
    expect(green).to_have_class(re.compile(r"\bstatus-online\b"))
    expect(red).to_have_class(re.compile(r"\bstatus-offline\b"))
    # On hover: the reason and the last change; screen readers get it after the name.
    expect(green).to_have_attribute("title", re.compile(r"^Online \(\d+ ms\) since "))
    expect(red).to_have_attribute("title", re.compile(r"^Offline: connection refused since "))
    expect(red).to_have_attribute("title", re.compile(r"TCP connection to web-down .* refused"))
    nav = gate.page.get_by_role("navigation", name="Servers")
    expect(nav.get_by_role("button", name=re.compile(r"^web-down .*Offline"))).to_be_visible()
    shots(gate, "dots")

    # The details pane of the selected server shows the same dot.
    nav.get_by_role("button", name=re.compile(r"^web-down ")).click()
    details = gate.page.get_by_role("region", name="web-down").locator(".status-dot")
    expect(details).to_have_class(re.compile(r"\bstatus-offline\b"))
    shots(gate, "details")

    # The server comes back: the dot turns green without a reload (the online event on the
    # live feed makes the page re-read the status at once; the 15 s poll would too).
    gate.server.admin("PATCH", f"api/servers/{down}", {"port": ssh_target.server.port})
    expect(red).to_have_class(re.compile(r"\bstatus-online\b"))
    expect(details).to_have_class(re.compile(r"\bstatus-online\b"))
    shots(gate, "back-online")
