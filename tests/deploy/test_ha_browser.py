"""High availability for real (DEP-3): three ``sshgate serve`` workers on one PostgreSQL and
Redis behind nginx doing plain round-robin (WebSocket upgrade, no sticky sessions), driven by
Chromium through the proxy's address only.

The admin signs in, opens a terminal on a real OpenSSH server and runs a command; a reload
brings the same shell back; a read-only share link is joined by bob in a second browser, and
the API shows his WebSocket on another worker than the one owning the PTY. Then the owning
worker is killed with SIGKILL: the owner's and the joiner's pages say the session ended, a
new terminal opens at once, and the monitoring prober lease passes to exactly one live worker
(its holder is killed too if it was another worker, so that the handover always happens).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ha_cluster import LEASE_TTL, Cluster, start_cluster, stop_cluster
from playwright.sync_api import expect

from sshgate.testing.browser import (
    CHROMIUM,
    LAUNCH_ARGS,
    VIEWPORT,
    BrowserPage,
    watch,
)
from sshgate.testing.services import require_redis, unavailable
from sshgate.testing.sshd import OpenSSHServer

# What a client of a shell whose worker died is told (sshgate.terminal.bridge).
OWNER_GONE = "the gateway worker running this shell stopped"

pytestmark = [pytest.mark.browser, pytest.mark.sshgate_db("postgresql")]

TIMEOUT_MS = 60_000  # every wait polls for its condition; the bound is for two loaded cores
SERVER = "ha-target"
GROUP = "ha"
BOB_FIRST, BOB_PASSWORD = "bob-initial-pass-1", "bob-chosen-pass-2"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
# The visible terminal's buffer as text (xterm exposes the live Terminal on ``.term``).
BUFFER = """() => {
  const view = document.querySelector('.tab-panel:not([hidden]) .term');
  const term = view && view.__sshgateTerminal;
  if (!term) return "";
  const buffer = term.buffer.active, lines = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i).translateToString(true));
  return lines.join("\\n");
}"""
JOIN_ATTEMPTS = 8  # round-robin puts a fresh joiner on the PTY's own worker one time in three
HANDOVER_WITHIN = LEASE_TTL * 4 + 8  # seconds: ttl, a renewal period, and a loaded machine


@pytest.fixture
async def cluster(db_url: str, sshd: OpenSSHServer, tmp_path: Path) -> Any:
    redis = await require_redis()
    running = await asyncio.to_thread(start_cluster, tmp_path, db_url, redis)
    try:
        yield running
    finally:
        await asyncio.to_thread(stop_cluster, running)


@pytest.fixture
def chromium(cluster: Cluster) -> Iterator[Any]:
    """Started after the workers (and the database fixture's event loop) are up: Playwright's
    sync API then owns this thread's loop until the test ends."""
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium at {CHROMIUM} (apt-get install -y --no-install-recommends chromium)")
    from playwright.sync_api import sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


class People:
    """Browser contexts (one per person), each failing the test on page errors."""

    def __init__(self, browser: Any, cluster: Cluster) -> None:
        self.browser, self.cluster = browser, cluster
        self.made: list[tuple[Any, BrowserPage]] = []

    def new(self, name: str) -> BrowserPage:
        context = self.browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        person = BrowserPage(page, self.cluster.proxy, f"ha-{name}", ARTIFACTS)
        watch(page, person.problems)
        self.made.append((context, person))
        return person

    def drop(self, person: BrowserPage) -> None:
        for context, made in self.made:
            if made is person:
                context.close()

    def problems(self) -> list[str]:
        return [p for _, person in self.made for p in person.unexpected_problems()]


@pytest.fixture
def people(chromium: Any, cluster: Cluster) -> Iterator[People]:
    made = People(chromium, cluster)
    yield made
    problems = made.problems()
    for context, _ in made.made:
        context.close()
    assert not problems, "a page reported problems:\n" + "\n".join(problems)


def buffer(person: BrowserPage) -> str:
    return str(person.page.evaluate(BUFFER))


def wait_for(person: BrowserPage, needle: str) -> str:
    person.page.wait_for_function(f"(needle) => ({BUFFER})().includes(needle)", arg=needle)
    return buffer(person)


def run(person: BrowserPage, command: str, marker: str) -> str:
    """Type a command into xterm; wait for ``marker``, which the typed text lacks."""
    person.page.locator(".tab-panel:not([hidden]) .term-screen").click()
    person.page.keyboard.type(command)
    person.page.keyboard.press("Enter")
    return wait_for(person, marker)


def shell_pid(person: BrowserPage, tag: str) -> str:
    """The shell's PID, printed next to ``tag`` (the typed line lacks ``pid0:``)."""
    pattern = rf"pid0:(\d+):{tag}"
    person.page.locator(".tab-panel:not([hidden]) .term-screen").click()
    person.page.keyboard.type(f"echo pid$((0)):$$:{tag}")
    person.page.keyboard.press("Enter")
    person.page.wait_for_function(
        f"(pattern) => new RegExp(pattern).test(({BUFFER})())", arg=pattern
    )
    return re.findall(pattern, buffer(person))[-1]


def shots(person: BrowserPage, step: str) -> None:
    """The current screen in the light and the dark theme."""
    before = person.page.evaluate("document.documentElement.dataset.theme")
    for theme in ("light", "dark"):
        person.page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
        person.screenshot(f"{step}-{theme}")
    person.page.evaluate(f"document.documentElement.dataset.theme = '{before}'")


def panel(person: BrowserPage) -> Any:
    return person.page.locator(".tab-panel:not([hidden])")


def open_terminal(person: BrowserPage) -> None:
    page = person.page
    servers = page.get_by_role("navigation", name="Servers")
    servers.get_by_role("button", name=re.compile(f"^{re.escape(SERVER)} ")).click()
    page.get_by_role("region", name=SERVER).get_by_role("button", name="SSH", exact=True).click()
    expect(panel(person).get_by_role("toolbar", name="Terminal")).to_contain_text("Connected")


def eventually(check: Any, what: str, timeout: float = TIMEOUT_MS / 1000) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"still not so after {timeout:g} s: {what}")
        time.sleep(0.1)
    return result


def setup_data(cluster: Cluster, sshd: OpenSSHServer) -> None:
    """Through the proxy, like everything else: the target server and bob."""
    proxy = cluster.proxy
    body = {
        "name": SERVER,
        "host": "127.0.0.1",
        "port": sshd.port,
        "username": sshd.user,
        "auth_method": "key",
        "private_key": sshd.client_key_path.read_text(),
        "group": GROUP,
    }
    proxy.admin("POST", "api/servers", body)
    user = {"username": "bob", "password": BOB_FIRST, "role": "user", "allowed_groups": [GROUP]}
    proxy.admin("POST", "api/admin/users", user)
    change = {"current_password": BOB_FIRST, "new_password": BOB_PASSWORD}
    proxy.call("POST", "api/auth/password", change, proxy.login("bob", BOB_FIRST))


def session_worker(cluster: Cluster, session_id: str) -> int:
    """The worker whose process holds the session's PTY (its announcement says)."""
    sessions = cluster.proxy.admin("GET", "api/terminal/sessions")["sessions"]
    (entry,) = [s for s in sessions if s["id"] == session_id]
    owner = cluster.index_of(entry["worker"])
    # Cross-check with the owner itself: its own list has the session as a local one.
    direct = cluster.workers[owner].call(
        "GET", "api/terminal/sessions", token=cluster.proxy.admin_token()
    )["sessions"]
    assert [s["worker"] for s in direct if s["id"] == session_id] == [entry["worker"]]
    return owner


def client_workers(cluster: Cluster, session_id: str, username: str) -> list[int]:
    """The workers holding ``username``'s WebSockets to the session (the roster's client
    ids are ``<worker>:<client id>``)."""
    path = f"api/terminal/sessions/{session_id}/shares"
    clients = cluster.proxy.admin("GET", path)["clients"]
    found = [str(c["id"]).split(":", 1)[0] for c in clients if c["username"] == username]
    return [cluster.index_of(worker) for worker in found]


def share_read_only(owner: BrowserPage) -> str:
    bar = panel(owner).get_by_role("toolbar", name="Terminal")
    bar.get_by_role("button", name="Share this terminal").click()
    dialog = owner.page.get_by_role("dialog", name="Share this terminal")
    expect(dialog.get_by_role("radio", name=re.compile("^Read-only"))).to_be_checked()
    dialog.get_by_role("button", name="Create link").click()
    link_box = dialog.get_by_label("Share link")
    expect(link_box).to_have_value(re.compile(r"#join=[\w-]{40,}$"))
    shots(owner, "share-dialog")
    link = link_box.input_value()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    return link


def join_elsewhere(
    people: People, cluster: Cluster, link: str, session_id: str, pty_worker: int
) -> tuple[BrowserPage, int]:
    """Bob opens the link; plain round-robin decides his worker, so a joiner that landed on
    the PTY's own worker leaves and a new browser of his comes back through the proxy."""
    for attempt in range(JOIN_ATTEMPTS):
        bob = people.new(f"joiner-{attempt}")
        bob.page.goto(link)
        bob.page.wait_for_selector("html[data-ready]", state="attached")
        bob.sign_in("bob", BOB_PASSWORD)
        expect(bob.page.get_by_role("tab", name=f"Shared: {SERVER} (admin)")).to_have_attribute(
            "aria-selected", "true"
        )
        expect(panel(bob).locator(".term-banner")).to_have_text(
            re.compile("^Read-only: you are watching admin's session")
        )
        workers = eventually(
            lambda: client_workers(cluster, session_id, "bob"), "bob is in the roster"
        )
        assert len(workers) == 1, workers
        if workers[0] != pty_worker:
            return bob, workers[0]
        people.drop(bob)
        eventually(lambda: not client_workers(cluster, session_id, "bob"), "bob's socket has left")
    raise AssertionError(f"{JOIN_ATTEMPTS} joiners all landed on the PTY's worker")


def test_three_workers_behind_round_robin(
    cluster: Cluster, people: People, sshd: OpenSSHServer
) -> None:
    setup_data(cluster, sshd)
    owner = people.new("owner")
    owner.sign_in_admin()
    open_terminal(owner)
    pid = shell_pid(owner, "first")
    run(owner, "echo marker-$((40+2))-ha", "marker-42-ha")
    shots(owner, "terminal")
    session_id = panel(owner).get_attribute("data-session-id")
    assert session_id

    # A reload reattaches, through whichever worker the proxy picks, to the same shell.
    owner.page.reload()
    owner.page.wait_for_selector("html[data-ready]", state="attached")
    expect(owner.page.get_by_role("tab", name=f"SSH: {SERVER}")).to_have_attribute(
        "aria-selected", "true"
    )
    expect(panel(owner)).to_have_attribute("data-session-id", session_id)
    wait_for(owner, "marker-42-ha")  # the scrollback came back
    assert shell_pid(owner, "again") == pid
    shots(owner, "reloaded")

    # Shared read-only; bob's WebSocket sits on another worker than the PTY.
    pty_worker = session_worker(cluster, session_id)
    link = share_read_only(owner)
    bob, bob_worker = join_elsewhere(people, cluster, link, session_id, pty_worker)
    assert bob_worker != pty_worker
    run(owner, "echo live-$((7*8))-ha", "live-56-ha")
    wait_for(bob, "live-56-ha")
    shots(bob, "joiner")

    # One prober among the three, before anything dies.
    (prober,) = eventually(lambda: one_prober(cluster), "exactly one prober lease holder")

    # The worker owning the PTY dies without a word.
    cluster.kill(pty_worker)
    killed_at = time.monotonic()
    ended = panel(owner).locator(".term-bar")
    expect(ended).to_have_text(re.compile(f"^Session ended: {OWNER_GONE}\\."))
    expect(owner.page.get_by_role("tab", name=f"SSH: {SERVER} (ended)")).to_be_visible()
    shots(owner, "pty-worker-killed")
    expect(panel(bob).locator(".term-bar")).to_have_text(
        re.compile(f"^admin's session ended: {OWNER_GONE}")
    )
    shots(bob, "pty-worker-killed")

    # A new terminal works at once, on a live worker.
    ended.get_by_role("button", name="Open a new session").click()
    expect(panel(owner).get_by_role("toolbar", name="Terminal")).to_contain_text("Connected")
    assert shell_pid(owner, "fresh") != pid
    fresh_id = panel(owner).get_attribute("data-session-id")
    assert fresh_id and fresh_id != session_id
    assert session_worker(cluster, fresh_id) != pty_worker
    shots(owner, "new-terminal")

    # The prober lease: if its holder survived, it dies too, so that the handover always
    # happens; either way exactly one live worker holds it within the lease's ttl (plus the
    # renewal period and a loaded machine's slack).
    if prober != pty_worker:
        cluster.kill(prober)
        killed_at = time.monotonic()
    (holder,) = eventually(
        lambda: one_prober(cluster), "one live worker took the prober lease", HANDOVER_WITHIN
    )
    took = time.monotonic() - killed_at
    assert holder not in (prober, pty_worker) and cluster.alive(holder)
    assert took < HANDOVER_WITHIN, took


def one_prober(cluster: Cluster) -> list[int]:
    """``[index]`` of the one live worker holding the prober lease; ``[]`` unless exactly one."""
    held = cluster.prober_holders()
    return held if len(held) == 1 else []
