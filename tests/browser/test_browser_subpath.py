"""The app behind a reverse proxy at a sub-path (SSHGATE_ROOT_PATH=/gate): every URL the
page uses, WebSocket included, stays under the prefix."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from browser_helpers import Gate, Screen
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
ROOT_PATH = "/gate"


def test_the_app_works_under_a_sub_path(screen: Screen, gate: Gate) -> None:
    assert gate.url.endswith("/gate/")
    page = screen.page
    paths: list[str] = []
    page.on("request", lambda request: paths.append(urlsplit(request.url).path))
    sockets: list[str] = []
    page.on("websocket", lambda socket: sockets.append(urlsplit(socket.url).path))
    gate.admin("POST", "api/servers", {"name": "under-gate", "host": "10.2.0.1", "username": "ops"})

    screen.sign_in_admin()
    expect(page.get_by_role("navigation", name="Servers")).to_contain_text("under-gate")
    expect(page.get_by_text("live", exact=True)).to_be_visible()
    page.get_by_role("button", name="admin", exact=True).click()
    page.get_by_role("menuitem", name="Account and security").click()
    expect(page.get_by_role("heading", name="Account and security")).to_be_visible()
    screen.shots("workspace", widths=("wide",))

    page.get_by_role("button", name="admin", exact=True).click()
    page.get_by_role("menuitem", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    outside = [p for p in paths if not p.startswith("/gate/")]
    assert not outside, f"requests outside the sub-path: {outside}"
    assert "/gate/api/ws/events" in sockets
    assert any(p.startswith("/gate/static/app/") for p in paths)
