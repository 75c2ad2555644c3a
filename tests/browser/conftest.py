"""Fixtures for the real-browser tests: one sshgate process and one Chromium per module,
a fresh browser context per test, and a test that fails on any page error, console error,
browser dialog or request to a non-loopback origin."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import (
    CHROMIUM,
    LAUNCH_ARGS,
    TIMEOUT_MS,
    WIDTHS,
    Gate,
    Screen,
    is_loopback,
    start_gate,
    stop_gate,
)

from sshgate.testing.services import unavailable
from sshgate.testing.ssh import SSHTestServer


@pytest.fixture(scope="module")
def gate(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Gate]:
    """sshgate as a subprocess; a module sets ROOT_PATH to serve it under a sub-path."""
    root_path = getattr(request.module, "ROOT_PATH", "")
    running = start_gate(tmp_path_factory.mktemp("gate"), root_path)
    yield running
    stop_gate(running)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    # Playwright's sync API runs its own event loop; module scope keeps it from overlapping
    # the function-scoped loops pytest-asyncio gives the rest of the suite.
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium at {CHROMIUM} (apt-get install -y --no-install-recommends chromium)")
    from playwright.sync_api import expect, sync_playwright

    # Every wait polls for its condition; the bound only decides how long a broken page
    # takes to fail, so make it generous for a loaded CI machine (Playwright's default
    # for expect() is 5 s).
    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
    yield browser
    browser.close()
    playwright.stop()


def watch(page: Any, screen: Screen) -> None:
    def on_console(message: Any) -> None:
        if message.type == "error":
            screen.problems.append(f"console error: {message.text} at {message.location}")

    def on_request(request: Any) -> None:
        if not is_loopback(request.url):
            screen.problems.append(f"request to a non-loopback origin: {request.url}")

    def on_websocket(socket: Any) -> None:
        if not is_loopback(socket.url):
            screen.problems.append(f"WebSocket to a non-loopback origin: {socket.url}")

    def on_dialog(dialog: Any) -> None:
        screen.dialogs.append(dialog.message)
        screen.problems.append(f"browser dialog ({dialog.type}): {dialog.message}")
        dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", lambda error: screen.problems.append(f"page error: {error}"))
    page.on("request", on_request)
    page.on("websocket", on_websocket)
    page.on("dialog", on_dialog)


@pytest.fixture
def screen(chromium: Any, gate: Gate, request: pytest.FixtureRequest) -> Iterator[Screen]:
    context = chromium.new_context(
        viewport=dict(zip(("width", "height"), WIDTHS["wide"], strict=True))
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    name = request.node.name.removeprefix("test_")
    watched = Screen(page, gate, name)
    watch(page, watched)
    yield watched
    context.close()
    problems = watched.unexpected_problems()
    assert not problems, "the page reported problems:\n" + "\n".join(problems)


@pytest.fixture
def new_screen(chromium: Any, gate: Gate, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A factory for extra, independent browser sessions (a second user, say)."""
    made: list[tuple[Any, Screen]] = []

    def make(suffix: str) -> Screen:
        context = chromium.new_context(
            viewport=dict(zip(("width", "height"), WIDTHS["wide"], strict=True))
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        watched = Screen(page, gate, f"{request.node.name.removeprefix('test_')}-{suffix}")
        watch(page, watched)
        made.append((context, watched))
        return watched

    yield make
    problems = []
    for context, watched in made:
        context.close()
        problems += watched.unexpected_problems()
    assert not problems, "a page reported problems:\n" + "\n".join(problems)


class ThreadedSSHServer:
    """The in-process asyncssh test server on a loop of its own thread: the browser tests
    are synchronous (Playwright's sync API), the SSH server is asyncio."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = self.run(SSHTestServer().start())

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def replace_host_key(self) -> str:
        async def replace() -> None:
            self.server.replace_host_key()

        self.run(replace())
        return self.server.fingerprint

    def close(self) -> None:
        self.run(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


@pytest.fixture(scope="module")
def ssh_target() -> Iterator[ThreadedSSHServer]:
    target = ThreadedSSHServer()
    yield target
    target.close()
