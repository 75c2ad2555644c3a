"""The Notes panel in Chromium, against sshgate as a real process (sshgate.testing.browser)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_notes_panel_lists_notes_and_adds_one(sshgate_page):
    sshgate_page.server.admin("POST", "api/notes", {"text": "Rotate the backup key on Friday"})
    sshgate_page.sign_in_admin()
    sshgate_page.menu_item("Notes")

    page = sshgate_page.page
    expect(page.get_by_role("tab", name="Notes")).to_have_attribute("aria-selected", "true")
    notes = page.get_by_role("list", name="Your notes")
    expect(notes).to_contain_text("Rotate the backup key on Friday")

    page.get_by_role("textbox", name="New note").fill("Renew the TLS certificate of web-1")
    page.get_by_role("button", name="Add note").click()
    expect(notes.get_by_role("listitem")).to_have_count(2)
    expect(notes.get_by_role("listitem").first).to_contain_text("Renew the TLS certificate")
    assert page.get_by_role("textbox", name="New note").input_value() == ""
    sshgate_page.screenshot("panel")
