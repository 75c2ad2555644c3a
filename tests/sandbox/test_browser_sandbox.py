"""The first login of a newcomer (DEP-4): sshgate started with ``--sandbox``, a user in no
group signs in, opens the sandbox's terminal and runs a command, then its file browser."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sandbox_helpers import PASSWORD, USER, plain_user, start_with_sandbox

from sshgate.testing.browser import BrowserPage, SshgateProcess, stop_sshgate

pytestmark = pytest.mark.browser

BUFFER = """() => {
  const view = document.querySelector('.tab-panel:not([hidden]) .term');
  const term = view && view.__sshgateTerminal;
  if (!term) return "";
  const b = term.buffer.active, lines = [];
  for (let i = 0; i < b.length; i++) lines.push(b.getLine(i).translateToString(true));
  return lines.join("\\n");
}"""


@pytest.fixture(scope="module")
def sshgate_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshgateProcess]:
    server = start_with_sandbox(tmp_path_factory.mktemp("sandbox-browser"))
    try:
        yield server
    finally:
        stop_sshgate(server)


def wait_for_text(page: BrowserPage, needle: str) -> None:
    page.page.wait_for_function(f"(needle) => ({BUFFER})().includes(needle)", arg=needle)


def both_themes(page: BrowserPage, step: str) -> None:
    for theme in ("light", "dark"):
        page.page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
        page.screenshot(f"{step}-{theme}")


def test_first_login_reaches_a_sandbox_terminal_and_files(
    sshgate_page: BrowserPage, sshgate_server: SshgateProcess
) -> None:
    plain_user(sshgate_server)
    page = sshgate_page.page
    sshgate_page.open()
    sshgate_page.sign_in(USER, PASSWORD)
    page.get_by_role("banner").wait_for()
    servers = page.get_by_role("navigation", name="Servers")
    servers.locator(".server-item", has_text="sandbox").click()
    region = page.get_by_role("region", name="sandbox")
    expect(region).to_contain_text("Built-in sandbox")
    region.get_by_role("button", name="SSH", exact=True).click()
    wait_for_text(sshgate_page, "@sandbox:~$")
    page.keyboard.type("echo sandbox-$((6*7)) && ls")
    page.keyboard.press("Enter")
    wait_for_text(sshgate_page, "sandbox-42")
    wait_for_text(sshgate_page, "README.txt")
    expect(page.get_by_role("tab", name="SSH: sandbox")).to_have_attribute("aria-selected", "true")
    both_themes(sshgate_page, "terminal")

    servers.locator(".server-item", has_text="sandbox").click()
    page.get_by_role("region", name="sandbox").get_by_role(
        "button", name="Files", exact=True
    ).click()
    expect(page.get_by_role("tab", name=re.compile("sandbox")).last).to_be_visible()
    expect(page.locator(".tab-panel:not([hidden])")).to_contain_text("README.txt")
    both_themes(sshgate_page, "files")
