"""Command snippets in a real browser: the Snippets screen and "Run snippet…" in the palette."""

from __future__ import annotations

import re

import pytest
from browser_helpers import Gate, Screen
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_create_a_snippet_see_it_listed_and_run_it_from_the_palette(
    screen: Screen, gate: Gate
) -> None:
    page = screen.page
    screen.allow_console_error("status of 400")  # the malformed template, on purpose
    screen.sign_in_admin()
    page.get_by_role("button", name="admin", exact=True).click()
    page.get_by_role("menuitem", name="Snippets").click()
    expect(page.get_by_role("tab", name="Snippets")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("No snippets yet.")).to_be_visible()

    page.get_by_role("button", name="New snippet").click()
    form = page.get_by_role("region", name="New snippet")
    form.get_by_label("Name").fill("restart service")
    form.get_by_label("Command").fill(
        "sudo systemctl restart {service}\njournalctl -u {service} -n 20"
    )
    expect(form.get_by_text("Asks for: service.")).to_be_visible()
    form.get_by_label("Tags").fill("systemd, web")
    form.get_by_role("switch", name="Ask before running").check()
    form.get_by_role("switch", name="Shared with every user").check()
    screen.shot("snippet-form")
    form.get_by_role("button", name="Save").click()

    row = page.get_by_role("listitem", name="restart service")
    expect(row).to_be_visible()
    expect(row).to_contain_text("shared")
    expect(row).to_contain_text("asks before running")
    expect(row).to_contain_text("asks for service")
    expect(row.locator("pre")).to_have_text(
        "sudo systemctl restart {service}\njournalctl -u {service} -n 20"
    )
    expect(form).to_be_hidden()
    screen.shots("snippets-listed", widths=("wide", "phone"))
    (stored,) = gate.admin("GET", "api/snippets")["snippets"]
    assert (stored["shared"], stored["confirm"], stored["tags"]) == (True, True, ["systemd", "web"])

    # A malformed template is refused with the field named, next to the field.
    page.get_by_role("button", name="New snippet").click()
    form.get_by_label("Name").fill("broken")
    form.get_by_label("Command").fill("awk '{print $1}'")
    expect(form.get_by_text(re.compile("is not a parameter name"))).to_be_visible()
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_role("alert")).to_contain_text("command")
    form.get_by_role("button", name="Cancel").click()

    # Run snippet…: pick it, give the parameter; with no terminal tab open the command goes
    # to the clipboard (or is offered for copying) instead.
    page.keyboard.press("Control+k")
    palette = page.get_by_role("dialog", name="Command palette")
    page.keyboard.type("run snippet")
    expect(palette.get_by_role("option").first).to_contain_text("Run snippet…")
    page.keyboard.press("Enter")
    runner = page.get_by_role("dialog", name="Run snippet")
    expect(runner).to_be_visible()
    page.keyboard.type("restart")
    page.keyboard.press("Enter")  # even before the list has loaded
    runner.get_by_label("service").fill("nginx")
    expect(runner.get_by_label("Command preview")).to_have_text(
        "sudo systemctl restart nginx\njournalctl -u nginx -n 20"
    )
    screen.shot("snippet-params")
    runner.get_by_role("button", name="Copy command").click()
    expect(runner).to_be_hidden()
    expect(page.get_by_text(re.compile("^No terminal tab is open"))).to_be_visible()
