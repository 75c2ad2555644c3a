"""Live sharing in a real browser (issue #7): a share link opened in a second browser, the
read-only joiner who sees everything and types nothing, the owner's attached-clients list
and Kick, the administrators' Live sessions screen (watch, terminate) and the snippet bar.
Two browser contexts are two people: the owner (the admin) and bob, a user of the server's
group. Terminal text is read from xterm's own buffer, as in test_browser_terminal.py."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_helpers import Gate, Screen
from playwright.sync_api import expect
from test_browser_terminal import PROMPT, open_terminal, run, server, text, wait_for

pytestmark = pytest.mark.browser

GROUP = "team"
SERVER = "team-shell"
BOB_PASSWORD = "bob-chosen-pass-2"


@pytest.fixture(autouse=True)
def end_sessions(gate: Gate) -> Any:
    """Every test starts with no shell running (and below the per-user session cap)."""
    yield
    for session in gate.admin("GET", "api/terminal/sessions")["sessions"]:
        gate.admin("DELETE", f"api/terminal/sessions/{session['id']}")


@pytest.fixture
def team(gate: Gate, ssh_target: Any) -> dict[str, Any]:
    """The shared server, in a group bob may use, and bob with his first password changed."""
    row = server(gate, ssh_target, SERVER, group=GROUP)
    users = {u["username"] for u in gate.admin("GET", "api/admin/users")["users"]}
    if "bob" not in users:
        first = "bob-initial-pass-1"
        body = {"username": "bob", "password": first, "role": "user", "allowed_groups": [GROUP]}
        gate.admin("POST", "api/admin/users", body)
        token = gate.login("bob", first)
        change = {"current_password": first, "new_password": BOB_PASSWORD}
        gate.call("POST", "api/auth/password", change, token)
    return row


def sign_in_bob(screen: Screen, url: str | None = None) -> None:
    screen.page.goto(url or screen.gate.url)
    screen.page.wait_for_selector("html[data-ready]", state="attached")
    screen.sign_in("bob", BOB_PASSWORD)
    screen.wait_for_workspace()


def toolbar(screen: Screen) -> Any:
    return screen.page.locator(".tab-panel:not([hidden])").get_by_role("toolbar", name="Terminal")


def test_read_only_link_joiner_sees_output_types_nothing_and_is_kicked(
    screen: Screen, new_screen: Any, gate: Gate, team: dict[str, Any]
) -> None:
    page = screen.page
    screen.sign_in_admin()
    open_terminal(screen, SERVER)

    # The owner makes a read-only link (the default), valid for the default hour.
    toolbar(screen).get_by_role("button", name="Share this terminal").click()
    dialog = page.get_by_role("dialog", name="Share this terminal")
    expect(dialog.get_by_role("radio", name=re.compile("^Read-only"))).to_be_checked()
    expect(dialog.get_by_label("Link expires after")).to_have_value("3600")
    expect(dialog.get_by_text("No active links.")).to_be_visible()
    dialog.get_by_role("button", name="Create link").click()
    link_box = dialog.get_by_label("Share link")
    expect(link_box).to_have_value(re.compile(r"#join=[\w-]{40,}$"))
    link = link_box.input_value()
    assert link.startswith(gate.url + "#join=")
    links = dialog.get_by_role("list", name="Active links").get_by_role("listitem")
    expect(links).to_have_count(1)
    expect(links.first).to_contain_text("Read-only")
    expect(links.first).to_contain_text(re.compile(r"expires in (1 h|60 min)"))
    dialog.get_by_role("button", name="Copy").click()
    expect(
        dialog.get_by_role("button", name=re.compile("^(Copied|Press Ctrl\\+C)$"))
    ).to_be_visible()
    screen.shots("share-dialog")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    # Bob opens the link: sign-in first, then the shared tab; the token leaves the address bar.
    bob = new_screen("joiner")
    sign_in_bob(bob, link)
    joined = bob.page.get_by_role("tab", name=f"Shared: {SERVER} (admin)")
    expect(joined).to_have_attribute("aria-selected", "true")
    assert bob.page.evaluate("location.hash") == ""
    assert "join=" not in bob.page.evaluate("location.href")
    banner = bob.page.locator(".tab-panel:not([hidden]) .term-banner")
    expect(banner).to_have_text(re.compile("^Read-only: you are watching admin's session"))
    wait_for(bob, PROMPT)  # the scrollback came first

    # Live output reaches the joiner.
    page.locator(".tab-panel:not([hidden]) .term-screen").click()
    run(screen, "echo marker-$((6*7))", "marker-42")
    wait_for(bob, "marker-42")

    # The joiner types: nothing is sent, and the view says so.
    bob.page.locator(".tab-panel:not([hidden]) .term-screen").click()
    bob.page.keyboard.type("echo intruder-$((1+1))")
    bob.page.keyboard.press("Enter")
    expect(toolbar(bob)).to_contain_text("Read-only view")
    output = run(screen, "echo after-$((2+2))", "after-4")
    assert "intruder" not in output

    # The joiner draws at the owner's size, and follows when the owner's window changes.
    owner_size, bob_size = toolbar(screen).locator(".term-size"), toolbar(bob).locator(".term-size")
    expect(bob_size).to_have_text(owner_size.inner_text())
    before, wide = owner_size.inner_text(), page.viewport_size
    page.set_viewport_size({"width": 1100, "height": 640})
    expect(owner_size).not_to_have_text(before)
    expect(bob_size).to_have_text(owner_size.inner_text())
    page.set_viewport_size(wide)
    expect(owner_size).to_have_text(before)
    # The shell's own line shows only the owner's command: no stray keys came before it.
    (line,) = [row for row in output.splitlines() if "echo after-" in row]
    assert line.strip() == f"{PROMPT} echo after-$((2+2))"
    assert "intruder" not in wait_for(bob, "after-4")
    bob.shots("read-only-tab")

    # The owner sees two attached, and who.
    badge = toolbar(screen).get_by_role("button", name=re.compile("^2 attached"))
    expect(badge).to_be_visible()
    badge.click()
    popover = page.get_by_role("dialog", name="Attached to this session")
    expect(popover).to_contain_text("admin (you)")
    expect(popover).to_contain_text("owner")
    expect(popover).to_contain_text("bob")
    expect(popover).to_contain_text("read-only · since")
    expect(popover.get_by_role("button", name="Kick admin")).to_have_count(0)
    screen.shots("attached-popover")

    # Kick: bob's tab says so, and the owner is alone again.
    popover.get_by_role("button", name="Kick bob").click()
    ended = bob.page.locator(".tab-panel:not([hidden]) .term-bar")
    expect(ended).to_contain_text("You were removed from admin's session by its owner.")
    expect(bob.page.get_by_role("tab", name=f"Shared: {SERVER} (admin) (ended)")).to_be_visible()
    expect(badge).to_be_hidden()
    bob.shots("kicked", widths=("wide",))
    ended.get_by_role("button", name="Close tab").click()
    expect(bob.page.get_by_role("tab")).to_have_count(0)

    # Revoking the link shows in the dialog, and the link no longer works.
    toolbar(screen).get_by_role("button", name="Share this terminal").click()
    expect(links).to_have_count(1)
    links.first.get_by_role("button", name=re.compile("^Revoke the read-only link")).click()
    expect(dialog.get_by_text("No active links.")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    bob.page.goto(link)
    bob.page.wait_for_selector("html[data-ready]", state="attached")
    card = bob.page.get_by_role("alert", name="Connection failed")
    expect(card).to_contain_text("Could not join the shared session")
    expect(card).to_contain_text("this share link is not valid")
    assert bob.page.evaluate("location.hash") == ""


def test_read_write_joiner_types_into_the_owners_shell(
    screen: Screen, new_screen: Any, gate: Gate, team: dict[str, Any]
) -> None:
    page = screen.page
    screen.sign_in_admin()
    open_terminal(screen, SERVER)
    toolbar(screen).get_by_role("button", name="Share this terminal").click()
    dialog = page.get_by_role("dialog", name="Share this terminal")
    dialog.get_by_role("radio", name=re.compile("^Read-write")).check()
    dialog.get_by_label("Link expires after").select_option(label="15 minutes")
    dialog.get_by_role("button", name="Create link").click()
    expect(dialog.get_by_role("list", name="Active links")).to_contain_text(
        re.compile("Read-write expires in 1[45] min")
    )
    link = dialog.get_by_label("Share link").input_value()
    assert "#join=" in link
    dialog.get_by_role("button", name="Close").click()

    # Bob is signed in already: the link only changes the fragment of his open page.
    bob = new_screen("pair")
    sign_in_bob(bob)
    bob.page.goto(link)
    expect(bob.page.get_by_role("tab", name=f"Shared: {SERVER} (admin)")).to_be_visible()
    assert bob.page.evaluate("location.hash") == ""
    banner = bob.page.locator(".tab-panel:not([hidden]) .term-banner")
    expect(banner).to_contain_text("you are typing into admin's shell")
    wait_for(bob, PROMPT)
    bob.page.locator(".tab-panel:not([hidden]) .term-screen").click()
    run(bob, "echo pair-$((3+4))", "pair-7")
    wait_for(screen, "pair-7")
    # Closing the joiner's tab leaves the owner's shell running.
    bob.page.get_by_role("button", name=f"Close Shared: {SERVER} (admin)").click()
    run(screen, "echo alive-$((1+1))", "alive-2")


def test_live_sessions_watch_and_terminate(
    screen: Screen, new_screen: Any, gate: Gate, team: dict[str, Any]
) -> None:
    page = screen.page
    screen.sign_in_admin()
    page.get_by_role("button", name="admin", exact=True).click()
    page.get_by_role("menuitem", name="Live sessions").click()
    expect(page.get_by_role("tab", name="Live sessions")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("No terminal sessions are running.")).to_be_visible()
    screen.shots("live-sessions-empty")

    bob = new_screen("owner")
    sign_in_bob(bob)
    open_terminal(bob, SERVER)
    run(bob, "echo before-$((2*5))", "before-10")

    row = page.get_by_role("row", name=f"Session: bob's session on {SERVER}")
    expect(row).to_be_visible()  # the next automatic refresh (every 5 s)
    expect(row).to_contain_text("bob")
    expect(row.get_by_role("cell").nth(4)).to_have_text("1")
    screen.shots("live-sessions")

    row.get_by_role("button", name=f"Watch bob's session on {SERVER}").click()
    expect(page.get_by_role("tab", name=f"Watch: {SERVER} (bob)")).to_have_attribute(
        "aria-selected", "true"
    )
    banner = page.locator(".tab-panel:not([hidden]) .term-banner")
    expect(banner).to_have_text(re.compile("^Read-only: you are watching bob's session"))
    wait_for(screen, "before-10")
    bob.page.locator(".tab-panel:not([hidden]) .term-screen").click()
    run(bob, "echo watched-$((9*9))", "watched-81")
    wait_for(screen, "watched-81")
    screen.shots("watch-tab", widths=("wide",))

    page.get_by_role("tab", name="Live sessions").click()
    expect(row.get_by_role("cell").nth(4)).to_have_text("2")
    row.get_by_role("button", name=f"Terminate bob's session on {SERVER}").click()
    confirm = page.get_by_role("dialog", name=f"Terminate bob's session on {SERVER}?")
    confirm.get_by_role("button", name="Terminate").click()
    expect(page.get_by_text("No terminal sessions are running.")).to_be_visible()
    expect(bob.page.locator(".term-bar")).to_contain_text("Session ended: closed by admin.")
    page.get_by_role("tab", name=f"Watch: {SERVER} (bob) (ended)").click()
    expect(page.locator(".tab-panel:not([hidden]) .term-bar")).to_contain_text(
        "bob's session ended: closed by admin."
    )
    screen.shots("watch-ended", widths=("wide",))


def test_snippet_bar_runs_a_snippet_in_this_terminal(
    screen: Screen, gate: Gate, team: dict[str, Any]
) -> None:
    existing = {s["name"] for s in gate.admin("GET", "api/snippets")["snippets"]}
    for body in (
        {"name": "greet", "command": "echo hi-{who}-$((5+5))", "confirm": True},
        {"name": "disk usage", "command": "df -h", "shared": True},
        {"name": "uptime", "command": "uptime"},
    ):
        if body["name"] not in existing:
            gate.admin("POST", "api/snippets", body)
    page = screen.page
    screen.sign_in_admin()
    open_terminal(screen, SERVER)
    snippets = toolbar(screen).get_by_role("button", name="Snippets")
    expect(snippets).to_have_attribute("aria-pressed", "false")
    snippets.click()
    expect(snippets).to_have_attribute("aria-pressed", "true")
    bar = page.get_by_role("region", name="Snippet bar")
    expect(bar.get_by_role("button", name=re.compile("^Run "))).to_have_count(3)
    expect(bar.get_by_role("button", name="Run disk usage")).to_contain_text("shared")
    screen.shots("snippet-bar")
    bar.get_by_label("Filter snippets").fill("gre")
    expect(bar.get_by_role("button", name=re.compile("^Run "))).to_have_count(1)
    bar.get_by_role("button", name="Run greet").click()

    runner = page.get_by_role("dialog", name="Run snippet")
    runner.get_by_label("who").fill("you")
    expect(runner.get_by_label("Command preview")).to_have_text("echo hi-you-$((5+5))")
    runner.get_by_role("button", name=f"Run in {SERVER}").click()
    confirm = page.get_by_role("dialog", name=f"Run greet on {SERVER}?")
    expect(confirm).to_contain_text("echo hi-you-$((5+5))")
    confirm.get_by_role("button", name="Run").click()
    wait_for(screen, "hi-you-10")
    runs = gate.admin("GET", "api/audit?action=snippets.run")["entries"]
    assert runs and runs[0]["target"] == SERVER

    # The bar stays open for the next terminal, and Esc in its filter closes it.
    bar.get_by_label("Filter snippets").press("Escape")
    expect(bar).to_be_hidden()
    expect(snippets).to_have_attribute("aria-pressed", "false")
    assert "hi-you" in text(screen)
