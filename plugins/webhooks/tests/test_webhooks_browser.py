"""The Webhooks screen in Chromium (HOOK-1, HOOK-2): a real sshgate process and a real
receiver on loopback. An administrator creates a webhook (the secret is shown once and
signs what arrives), sends a test, watches a failing delivery in the log and redelivers it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from webhooks_receiver import Receiver, verify

from sshgate.testing.browser import BrowserPage

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000  # generous: two shared cores, a gateway and a browser
WIDTHS = {"phone": {"width": 390, "height": 844}, "wide": {"width": 1440, "height": 900}}


@pytest.fixture(scope="module", autouse=True)
def patient_expect() -> None:
    expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def sshgate_server_env() -> dict[str, str]:
    return {
        "SSHGATE_WEBHOOKS_ALLOW_NETWORKS": "127.0.0.1/32",
        "SSHGATE_WEBHOOKS_POLL_INTERVAL": "0.3",
        "SSHGATE_WEBHOOKS_MAX_ATTEMPTS": "2",
        "SSHGATE_WEBHOOKS_BACKOFF_BASE": "0.3",
        "SSHGATE_WEBHOOKS_BACKOFF_CAP": "1",
    }


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


def test_an_admin_creates_tests_and_redelivers_a_webhook(
    sshgate_page: BrowserPage, receiver: Receiver
) -> None:
    gate = sshgate_page
    page = gate.page
    page.set_default_timeout(TIMEOUT_MS)
    gate.sign_in_admin()
    gate.menu_item("Webhooks")
    expect(page.get_by_role("tab", name="Webhooks")).to_have_attribute("aria-selected", "true")
    screen = page.locator(".tab-panel:not([hidden]) .webhooks")
    expect(screen.get_by_text("No webhook yet.")).to_be_visible()

    # Create: URL, description, two event patterns (one from the catalogue), a header.
    screen.get_by_role("button", name="New webhook").click()
    form = screen.get_by_role("form", name="Webhook")
    form.get_by_label("Receiver URL").fill(receiver.url)
    form.get_by_label("Description").fill("Security team's SIEM")
    events = form.get_by_label("Events", exact=True)
    events.fill("webhooks.updated")
    events.press("Enter")
    events.fill("auth.*")
    events.press("Enter")
    expect(form.locator(".chip")).to_have_count(2)
    form.get_by_label("Custom headers").fill("X-Api-Key: receiver-pass")
    shots(gate, "create")
    form.get_by_role("button", name="Create webhook").click()

    # The secret, shown once.
    dialog = page.get_by_role("dialog", name="Signing secret")
    expect(dialog).to_be_visible()
    secret = page.get_by_test_id("secret-value").input_value()
    assert secret.startswith("whsec_")
    dialog.get_by_role("button", name="I have stored it").click()
    row = screen.locator(".wh-table tbody tr").filter(has_text=receiver.url)
    expect(row).to_contain_text("enabled")
    expect(row).to_contain_text("auth.*, webhooks.updated")

    # Test: a signed ping reaches the receiver, with the custom header; the log shows it.
    form.get_by_role("button", name="Send test").click()
    expect(page.get_by_text(re.compile(r"Test delivered: HTTP 200 in \d+ ms"))).to_be_visible()
    [ping] = [r for r in receiver.received if r.json()["event"] == "webhooks.ping"]
    assert verify(secret, ping.headers, ping.body)
    assert ping.headers["X-Api-Key"] == "receiver-pass"
    log = screen.get_by_role("table", name="Deliveries")
    expect(log.locator("tbody tr").filter(has_text="webhooks.ping")).to_contain_text("delivered")
    screen.evaluate("el => el.closest('.tab-panel').scrollTo(0, 0)")
    shots(gate, "tested")

    # A receiver that fails: the saved change is an event, tried twice, then failed.
    receiver.status = 500
    form.get_by_label("Description").fill("SIEM (night shift)")
    form.get_by_role("button", name="Save").click()
    failed = log.locator("tbody tr").filter(has_text="webhooks.updated")
    expect(failed).to_contain_text("failed")
    expect(failed).to_contain_text("HTTP 500")
    failed.get_by_role("button", name=re.compile("^Details of")).click()
    attempts = screen.get_by_role("list", name="Attempts").get_by_role("listitem")
    expect(attempts).to_have_count(2)
    expect(attempts.first).to_contain_text("HTTP 500")
    shots(gate, "failed")

    # Redeliver once it is back: the same delivery id arrives and succeeds.
    receiver.status = 200
    failed.get_by_role("button", name=re.compile("^Redeliver")).click()
    expect(failed).to_contain_text("delivered")
    updates = [r for r in receiver.received if r.json()["event"] == "webhooks.updated"]
    assert len(updates) == 3 and len({r.json()["id"] for r in updates}) == 1
    assert all(verify(secret, r.headers, r.body) for r in updates)
    shots(gate, "redelivered")

    # Rotate the secret: asked first, then the new one is shown once and signs from now on.
    form.get_by_role("button", name="Rotate secret").click()
    page.get_by_role("dialog", name="Rotate the signing secret?").get_by_role(
        "button", name="Rotate secret"
    ).click()
    dialog = page.get_by_role("dialog", name="New signing secret")
    expect(dialog).to_be_visible()
    rotated = page.get_by_test_id("secret-value").input_value()
    assert rotated.startswith("whsec_") and rotated != secret
    dialog.get_by_role("button", name="I have stored it").click()
    form.get_by_role("button", name="Send test").click()
    expect(log.locator("tbody tr").filter(has_text="webhooks.ping")).to_have_count(2)
    pings = [r for r in receiver.received if r.json()["event"] == "webhooks.ping"]
    assert len(pings) == 2 and verify(rotated, pings[-1].headers, pings[-1].body)
    assert not verify(secret, pings[-1].headers, pings[-1].body)

    # Delete: asked first; the screen is empty again.
    form.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog", name="Delete this webhook?").get_by_role(
        "button", name="Delete webhook"
    ).click()
    expect(screen.get_by_text("No webhook yet.")).to_be_visible()
    assert gate.server.admin("GET", "api/webhooks")["webhooks"] == []
