"""Single sign-on in Chromium, end to end: the "Sign in with Test OP" button on the login page,
the real provider's own login form (django-oidc-provider, its own process), back into the
workspace as a mapped administrator, the Users screen naming the account's source, sign-out,
and the page a failed callback answers. A real sshgate process on SQLite and on PostgreSQL;
screenshots in the light and the dark theme."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from oidc_op import CLIENT_ID, CLIENT_SECRET, USERS, OpenIdProvider
from playwright.sync_api import expect
from sqlalchemy.engine import make_url

from sshgate.testing.browser import BrowserPage, SshgateProcess, start_sshgate, stop_sshgate
from sshgate.testing.services import postgres_admin_url, unavailable

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000  # generous: two shared cores, a gateway, a provider and a browser
THEMES = ("light", "dark")
# Query parameters that would be a credential in a URL the browser keeps (history, Referer).
CREDENTIALS = {"code", "id_token", "access_token", "refresh_token", "token"}


@pytest.fixture(scope="module", autouse=True)
def patient_expect() -> None:
    expect.set_options(timeout=TIMEOUT_MS)


async def postgres(admin_url: str, sql: str) -> None:
    import asyncpg

    url = make_url(admin_url).set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False), timeout=30)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def on_own_loop(admin_url: str, sql: str) -> None:
    # Playwright's sync API owns this thread's event loop: asyncpg runs on another thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, postgres(admin_url, sql)).result()


@pytest.fixture
def browser_db_url(db_backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of the parametrised backend for the sshgate process."""
    if db_backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'sshgate.db'}"
        return
    admin = postgres_admin_url()
    name = f"sshgate_test_{secrets.token_hex(6)}"
    try:
        on_own_loop(admin, f'CREATE DATABASE "{name}"')
    except Exception as exc:  # connection refused, auth failure, missing driver ...
        unavailable(f"PostgreSQL at {make_url(admin).render_as_string()}: {exc}")
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        on_own_loop(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sshgate_server(
    browser_db_url: str,
    openid_provider: OpenIdProvider,
    tmp_path: Path,
) -> Iterator[SshgateProcess]:
    """sshgate on this test's database (SQLite or PostgreSQL), configured for the provider
    through its environment as an operator would."""
    env = {
        "SSHGATE_DB_URL": browser_db_url,
        "SSHGATE_OIDC_ISSUER": openid_provider.issuer,
        "SSHGATE_OIDC_CLIENT_ID": CLIENT_ID,
        "SSHGATE_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "SSHGATE_OIDC_PROVIDER_NAME": "Test OP",
        "SSHGATE_OIDC_GROUP_MAP": '{"engineering": ["dev"]}',
        "SSHGATE_OIDC_ADMIN_GROUPS": "sshgate-admins",
        # The other installed plugins stay out: this page is about single sign-on.
        "SSHGATE_DISABLE_PLUGINS": ",".join(sorted(other_plugins())),
    }
    folder = tmp_path / "sshgate"
    folder.mkdir()
    # Without the test-only plugins (pytest's pythonpath): the login page as installed.
    server = start_sshgate(folder, env)
    # The browser reaches sshgate as localhost and the provider as 127.0.0.1: two sites, as
    # in production, so the flow's SameSite=Lax cookie must survive a cross-site redirect.
    server.url = server.url.replace("//127.0.0.1:", "//localhost:")
    openid_provider.allow_redirect(server.url + "api/oidc/callback")
    try:
        yield server
    finally:
        stop_sshgate(server)


def other_plugins() -> set[str]:
    return {e.name for e in entry_points(group="sshgate")} - {"oidc"}


def kept_urls(page: Any) -> list[str]:
    """Every URL the main frame committed to (what history keeps; redirects never commit)."""
    urls: list[str] = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and urls.append(frame.url))
    return urls


def credentials_in(url: str) -> set[str]:
    parts = urlsplit(url)
    return (set(parse_qs(parts.query)) | set(parse_qs(parts.fragment))) & CREDENTIALS


def shots(gate: BrowserPage, step: str) -> None:
    for theme in THEMES:
        gate.page.emulate_media(color_scheme=theme)
        gate.screenshot(f"{step}-{theme}")


def test_sign_in_with_the_provider_in_the_browser(sshgate_page: BrowserPage) -> None:
    gate, page = sshgate_page, sshgate_page.page
    urls = kept_urls(page)
    gate.open()
    button = page.get_by_role("link", name="Sign in with Test OP")
    expect(button).to_be_visible()
    shots(gate, "login")

    # The provider's own login form, on its own origin.
    page.emulate_media(color_scheme="light")
    button.click()
    page.locator("#id_username").wait_for()
    assert page.url.startswith("http://127.0.0.1:") and "/accounts/login/" in page.url
    gate.screenshot("provider-login")
    page.locator("#id_username").fill("olivia")
    page.locator("#id_password").fill(USERS["olivia"][0])
    page.get_by_role("button", name="Log in").click()

    # Back in the workspace as olivia, an administrator through her provider group; the
    # address bar holds the app root, nothing of the flow.
    expect(page.get_by_role("button", name="olivia", exact=True)).to_be_visible()
    gate.username = "olivia"
    assert page.url == gate.server.url
    shots(gate, "signed-in")
    assert all(not credentials_in(url) for url in urls), urls
    assert all(not urlsplit(u).query for u in urls if u.startswith(gate.server.url)), urls

    # The Users screen shows where the account comes from.
    gate.menu_item("Users")
    row = page.get_by_role("row").filter(has=page.get_by_role("button", name="olivia"))
    expect(row).to_contain_text("oidc")
    expect(row).to_contain_text("admin")
    shots(gate, "users")

    # Sign-out ends the sshgate session.
    page.get_by_role("banner").get_by_role("button", name="olivia").click()
    page.get_by_role("menuitem", name="Sign out", exact=True).click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    assert page.request.get(gate.server.url + "api/auth/me").status == 401
    gate.open()
    expect(page.get_by_role("link", name="Sign in with Test OP")).to_be_visible()


def test_a_failed_callback_shows_a_page_that_leads_back(sshgate_page: BrowserPage) -> None:
    gate, page = sshgate_page, sshgate_page.page
    gate.allow_problem("401")  # Chromium logs the failed document load as a console error
    gate.open()
    # A callback with a state sshgate never issued (a forged or stale link).
    page.goto(gate.server.url + "api/oidc/callback?state=forged-state-0123456789&code=stolen")
    heading = page.get_by_role("heading", name="Sign-in with Test OP failed")
    expect(heading).to_be_visible()
    expect(page.get_by_text("start again")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("stolen")
    shots(gate, "failed")
    page.get_by_role("link", name="Back to the sign-in page").click()
    page.wait_for_selector("html[data-ready]", state="attached")
    expect(page.get_by_role("link", name="Sign in with Test OP")).to_be_visible()
    assert page.url == gate.server.url
    entries = gate.server.admin("GET", "api/audit?action=auth.login_failed")["entries"]
    assert [e["details"]["reason"] for e in entries] == ["bad_state"]
    assert entries[0]["details"]["provider"] == "oidc"
