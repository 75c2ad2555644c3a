"""The page frame in a real browser: first login, theme, command palette, hostile names,
the phone layout."""

from __future__ import annotations

import re

import pytest
from browser_helpers import ADMIN_PASSWORD, FIRST_ADMIN_PASSWORD, Gate, Screen, seed_servers
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_first_login_forces_a_password_change(screen: Screen, gate: Gate) -> None:
    page = screen.page
    if gate.admin_changed():
        # Run out of order: a fresh administrator has a first login of their own.
        username, password = "second-admin", "second-admin-first-1"
        gate.admin(
            "POST", "api/admin/users", {"username": username, "password": password, "role": "admin"}
        )
    else:
        username, password = "admin", FIRST_ADMIN_PASSWORD
    screen.open()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screen.shots("login")

    screen.sign_in(username, "wrong-password-123")
    screen.allow_console_error("status of 401")  # the browser logs the refused login
    expect(page.get_by_role("alert")).to_have_text("invalid username or password")

    screen.sign_in(username, password)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    screen.shots("password-change")
    page.locator("#pw-current").fill(password)
    page.locator("#pw-new").fill("short")
    page.locator("#pw-confirm").fill("short")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("at least 10 characters")

    new_password = ADMIN_PASSWORD if username == "admin" else "second-admin-chosen-2"
    page.locator("#pw-new").fill(new_password)
    page.locator("#pw-confirm").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    screen.wait_for_workspace()
    if username == "admin":
        gate.admin_password = ADMIN_PASSWORD
    expect(page.get_by_text("No servers yet.")).to_be_visible()
    expect(page.get_by_text("live", exact=True)).to_be_visible()  # the activity feed is connected
    screen.shots("workspace-empty")

    # The session survives a reload: no second login.
    page.reload()
    screen.wait_for_workspace()


def test_theme_switch_is_kept_across_reloads(screen: Screen, gate: Gate) -> None:
    page = screen.page
    page.emulate_media(color_scheme="light")
    screen.sign_in_admin()
    assert screen.theme() == "light"  # follows the system by default
    page.get_by_role("button", name="Switch to dark theme").click()
    assert screen.theme() == "dark"
    page.reload()
    screen.wait_for_workspace()
    assert screen.theme() == "dark"
    page.emulate_media(color_scheme="dark")
    page.get_by_role("button", name="Switch to light theme").click()
    assert screen.theme() == "light"
    page.reload()
    screen.wait_for_workspace()
    assert screen.theme() == "light"  # an explicit choice beats the system preference
    # Back to following the system, from the user menu.
    page.get_by_role("button", name="admin").click()
    page.get_by_role("menuitem", name="Follow the system theme").click()
    assert screen.theme() == "dark"


def test_command_palette_runs_actions_and_finds_servers(screen: Screen, gate: Gate) -> None:
    seed_servers(gate)
    page = screen.page
    page.emulate_media(color_scheme="light")
    screen.sign_in_admin()
    palette = page.get_by_role("dialog", name="Command palette")

    page.keyboard.press("Control+k")
    expect(palette).to_be_visible()
    page.keyboard.type("toggle theme")
    expect(palette.get_by_role("option").first).to_contain_text("Toggle dark / light theme")
    screen.shots("palette")
    page.keyboard.press("Enter")
    expect(palette).to_be_hidden()
    assert screen.theme() == "dark"

    page.keyboard.press("Control+Shift+P")
    expect(palette).to_be_visible()
    page.keyboard.type("dbp")  # fuzzy: d-b-p of db-primary
    first = palette.get_by_role("option").first
    expect(first).to_contain_text("db-primary")
    page.keyboard.press("Enter")
    expect(page.get_by_role("region", name="db-primary")).to_be_visible()

    page.keyboard.press("Control+k")
    options = palette.get_by_role("option")
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.first).to_have_attribute("aria-selected", "false")
    page.keyboard.press("ArrowUp")
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.type("audit")
    page.keyboard.press("Enter")
    expect(page.get_by_role("tab", name="Audit log")).to_have_attribute("aria-selected", "true")

    page.keyboard.press("Control+k")
    expect(palette).to_be_visible()
    page.keyboard.press("Escape")
    expect(palette).to_be_hidden()

    # The quick search in the top bar opens the same palette.
    page.get_by_role("button", name="Search servers and actions (Ctrl+K)").click()
    expect(palette).to_be_visible()
    page.keyboard.press("Escape")


def test_a_hostile_server_name_is_shown_as_text(screen: Screen, gate: Gate) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    servers = gate.admin("GET", "api/servers")["servers"]
    if not any(s["name"] == hostile for s in servers):
        gate.admin(
            "POST",
            "api/servers",
            {
                "name": hostile,
                "host": "10.9.9.9",
                "username": "x",
                "group": "<b>evil</b>",
                "tags": ["<script>alert(2)</script>"],
                "description": "<svg onload=alert(3)>",
            },
        )
    page = screen.page
    screen.sign_in_admin()
    tree = page.get_by_role("navigation", name="Servers")
    item = tree.get_by_role("button", name=re.compile(re.escape(hostile)))
    expect(item).to_be_visible()
    expect(tree.get_by_text("<b>evil</b>", exact=True)).to_be_visible()
    item.click()
    details = page.get_by_role("region", name=hostile)
    expect(details.get_by_text("<svg onload=alert(3)>", exact=True)).to_be_visible()
    expect(details.get_by_text("<script>alert(2)</script>", exact=True)).to_be_visible()
    page.keyboard.press("Control+k")
    page.keyboard.type("img src")
    expect(page.get_by_role("option").first).to_contain_text(hostile)
    page.keyboard.press("Escape")
    assert page.locator("img[src=x]").count() == 0
    assert screen.dialogs == []
    screen.shot("hostile-name")


def test_phone_layout_uses_a_drawer(screen: Screen, gate: Gate) -> None:
    seed_servers(gate)
    page = screen.page
    page.set_viewport_size({"width": 360, "height": 740})
    screen.sign_in_admin()
    sidebar = page.locator("#site-manager")
    expect(sidebar).to_be_hidden()
    page.get_by_role("button", name="Show or hide the Site Manager (Alt+B)").click()
    expect(sidebar).to_be_visible()
    screen.shot("drawer-open")
    sidebar.get_by_role("button", name=re.compile("^web-1")).click()
    expect(page.get_by_role("region", name="web-1")).to_be_visible()
    screen.shot("drawer-details")
    page.keyboard.press("Escape")
    expect(sidebar).to_be_hidden()
    # Nothing sticks out sideways at 360 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
