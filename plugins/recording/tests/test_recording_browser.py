"""The recording plugin in Chromium (REC-1, REC-2): a real sshgate process with recording on,
a real shell on the in-process SSH server, a terminal typed into through xterm; then the
Recordings screen finds the session (in the table and by searching its output), and the
asciinema player replays it until the text the shell printed is on the player's screen."""

from __future__ import annotations

import asyncio
import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from sshgate.testing.browser import BrowserPage
from sshgate.testing.ssh import TEST_PASSWORD, TEST_USER, SSHTestServer

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000  # generous: two shared cores, a gateway and a browser
PROMPT = "sshgate-test$"
WIDTHS = {"phone": {"width": 390, "height": 844}, "wide": {"width": 1440, "height": 900}}
# The visible terminal's buffer as text (the panel exposes xterm as .term.__sshgateTerminal).
BUFFER = """() => {
  const view = document.querySelector('.tab-panel:not([hidden]) .term');
  const term = view && view.__sshgateTerminal;
  if (!term) return "";
  const buffer = term.buffer.active, lines = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i).translateToString(true));
  return lines.join("\\n");
}"""
PLAYER_SCREEN = ".tab-panel:not([hidden]) .rec-stage .ap-term-text"


@pytest.fixture(scope="module", autouse=True)
def patient_expect() -> None:
    # Every expect() polls for its condition; the bound only decides how long a broken page
    # takes to fail (Playwright's default is 5 s, short for a loaded machine).
    expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def sshgate_server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder: Path = tmp_path_factory.mktemp("recordings")
    return {"SSHGATE_RECORDING_ENABLED": "true", "SSHGATE_RECORDING_DIR": str(folder)}


class ThreadedSSHServer:
    """The in-process asyncssh server on a loop of its own thread: Playwright's sync API
    runs in this one."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(SSHTestServer().start(), self.loop).result(
            timeout=30
        )

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


def add_server(gate: BrowserPage, target: ThreadedSSHServer, name: str) -> None:
    for row in gate.server.admin("GET", "api/servers")["servers"]:
        if row["name"] == name:
            return
    gate.server.admin(
        "POST",
        "api/servers",
        {
            "name": name,
            "host": "127.0.0.1",
            "port": target.server.port,
            "username": TEST_USER,
            "password": TEST_PASSWORD,
        },
    )


def wait_for_terminal(page: Any, needle: str) -> None:
    page.wait_for_function(
        f"(needle) => ({BUFFER})().includes(needle)", arg=needle, timeout=TIMEOUT_MS
    )


def shots(gate: BrowserPage, step: str) -> None:
    """The screen as it is, at phone and wide widths, in both themes."""
    page = gate.page
    before = page.evaluate("document.documentElement.dataset.theme")
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        for theme in ("light", "dark"):
            page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
            gate.screenshot(f"{step}-{width}-{theme}", full_page=False)
    page.evaluate(f"document.documentElement.dataset.theme = '{before}'")
    page.set_viewport_size(WIDTHS["wide"])


def record_a_session(gate: BrowserPage, server: str, marker: str) -> None:
    """Open a terminal on ``server``, print ``marker`` (the typed command lacks it), exit."""
    page = gate.page
    page.get_by_role("navigation", name="Servers").get_by_role(
        "button", name=re.compile(f"^{re.escape(server)} ")
    ).click()
    page.get_by_role("region", name=server).get_by_role("button", name="SSH", exact=True).click()
    wait_for_terminal(page, PROMPT)
    toolbar = page.get_by_role("toolbar", name="Terminal")
    badge = toolbar.locator('.term-badge[data-badge="recording"]')
    expect(badge).to_contain_text("REC")
    expect(badge).to_have_attribute("title", re.compile("This session is recorded"))
    head, tail = marker.split("-", 1)
    page.keyboard.type(f"echo {head}-$((6*7))-{tail}")  # prints head-42-tail
    page.keyboard.press("Enter")
    wait_for_terminal(page, f"{head}-42-{tail}")
    page.keyboard.type("exit")
    page.keyboard.press("Enter")
    expect(badge).to_have_count(0)  # the session ended: no longer recorded
    page.get_by_role("button", name=re.compile(f"^Close SSH: {re.escape(server)}")).click()


def test_a_session_is_recorded_found_and_replayed(
    sshgate_page: BrowserPage, ssh_target: ThreadedSSHServer
) -> None:
    gate = sshgate_page
    page = gate.page
    page.set_default_timeout(TIMEOUT_MS)
    add_server(gate, ssh_target, "rec-web")
    gate.sign_in_admin()
    marker = f"RECMARK-{uuid.uuid4().hex[:10]}"
    printed = marker.replace("-", "-42-", 1)
    record_a_session(gate, "rec-web", marker)

    # The table lists it, complete, once the gateway has closed the file.
    gate.menu_item("Recordings")
    expect(page.get_by_role("tab", name="Recordings")).to_have_attribute("aria-selected", "true")
    screen = page.locator(".tab-panel:not([hidden]) .recordings")
    row = screen.locator(".rec-table tbody tr").filter(has_text="rec-web").first
    expect(row).to_contain_text("admin")
    expect(row).to_contain_text("Complete")  # the screen follows a growing recording itself

    # The title filter narrows the table; a title that matches nothing empties it.
    screen.get_by_label("Title").fill("no-such-title-anywhere")
    screen.get_by_role("button", name="Search", exact=True).click()
    expect(screen.get_by_text("No recording matches.")).to_be_visible()
    screen.get_by_role("button", name="Reset").click()
    expect(row).to_be_visible()

    # Output search: the marker the shell printed, with an excerpt and a link to the moment.
    screen.get_by_label("Text printed in a session").fill(printed)
    screen.get_by_role("button", name="Find sessions").click()
    matches = screen.get_by_role("list", name="Matches").get_by_role("listitem")
    expect(matches).to_have_count(1)
    expect(matches.first.locator(".rec-excerpt")).to_contain_text(printed)
    link = matches.first.get_by_role("link", name=re.compile("^Replay admin's session on rec-web"))
    expect(link).to_have_attribute("href", re.compile(r"^#recording=.+&t=\d"))
    shots(gate, "list")

    link.click()
    expect(page.get_by_role("tab", name=re.compile("^Replay: "))).to_have_attribute(
        "aria-selected", "true"
    )
    expect(page.locator(PLAYER_SCREEN)).to_contain_text(printed)  # paused at that moment
    controls = page.get_by_role("toolbar", name="Player")
    expect(controls.get_by_role("button", name="Play")).to_be_visible()
    shots(gate, "player")

    # Jump to the start (the screen is blank again), then play at 4x until the marker is back.
    controls.get_by_label("Jump to").fill("0")
    controls.get_by_role("button", name="Go").click()
    expect(page.locator(PLAYER_SCREEN)).not_to_contain_text(printed)
    controls.get_by_label("Speed").select_option("4")
    controls.get_by_role("button", name="Play").click()
    expect(page.locator(PLAYER_SCREEN)).to_contain_text(printed)
    controls.get_by_label("Jump to").fill("not a time")
    controls.get_by_role("button", name="Go").click()
    expect(controls.get_by_role("alert")).to_contain_text("Type a time like")

    # The table's Replay opens the same tab; Download is the .cast file.
    page.get_by_role("tab", name="Recordings").click()
    download_link = row.get_by_role("link", name=re.compile("^Download"))
    with page.expect_download() as download:
        download_link.click()
    cast = Path(download.value.path()).read_text()
    assert cast.startswith('{"version": 2') or cast.startswith('{"version":2'), cast[:80]
    assert printed in cast

    # An administrator deletes it, after saying yes in the confirmation dialog.
    row.get_by_role("button", name=re.compile("^Delete")).click()
    dialog = page.get_by_role("dialog", name=re.compile("^Delete the recording"))
    dialog.get_by_role("button", name="Delete recording").click()
    expect(page.get_by_text("The recording was deleted.")).to_be_visible()
    expect(screen.locator(".rec-table tbody tr").filter(has_text="rec-web")).to_have_count(0)
