"""Demo mode in Chromium (DEP-2): the banner on the login screen and in the workspace, the
demo account signing in with the published password, and the sandbox terminal working."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from sshgate.testing.browser import BrowserPage, SshgateProcess, start_sshgate, stop_sshgate

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sshgate_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshgateProcess]:
    folder = tmp_path_factory.mktemp("demo-browser")
    env = {"SSHGATE_DEMO_MODE": "true", "SSHGATE_DATA_DIR": str(folder)}
    server = start_sshgate(folder, env, args=["--sandbox"])
    try:
        yield server
    finally:
        stop_sshgate(server)


def both_themes(page: BrowserPage, step: str) -> None:
    for theme in ("light", "dark"):
        page.page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
        page.screenshot(f"{step}-{theme}")


def test_banner_demo_sign_in_and_sandbox(sshgate_page: BrowserPage) -> None:
    page = sshgate_page.page
    sshgate_page.open()
    banner = page.get_by_role("note", name="Demo mode")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Sign in as demo / demo")
    expect(banner).to_contain_text("resets every 60 min")
    # The banner takes its line; the page still fits the viewport (here and signed in).
    fits = "document.documentElement.scrollHeight <= window.innerHeight + 1"
    assert page.evaluate(fits)
    both_themes(sshgate_page, "login")

    sshgate_page.sign_in("demo", "demo")
    page.get_by_role("banner").wait_for()
    expect(banner).to_be_visible()
    page.locator(".server-item", has_text="sandbox").click()
    page.get_by_role("region", name="sandbox").get_by_role("button", name="SSH", exact=True).click()
    page.wait_for_function(
        "() => { const t = document.querySelector('.tab-panel:not([hidden]) .term');"
        " return t && t.__sshgateTerminal && t.__sshgateTerminal.buffer.active"
        ".getLine(0).translateToString(true).includes('@sandbox'); }"
    )
    assert page.evaluate(fits)
    both_themes(sshgate_page, "workspace")
