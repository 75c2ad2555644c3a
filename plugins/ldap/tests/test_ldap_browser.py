"""In Chromium, against ``sshgate serve`` configured from the environment and the test
directory: the login page names the directory, a directory user signs in with the same
form, and the administrators' Users screen shows where each account comes from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ldap_slapd import GROUPS, PEOPLE, SERVICE_DN, USERS, Slapd
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
LABEL = "Example Corp account"


@pytest.fixture(scope="module")
def sshgate_server_env(slapd: Slapd, service_password_file: Path) -> dict[str, str]:
    return {
        "SSHGATE_LDAP_URL": slapd.ldap_url,
        "SSHGATE_LDAP_START_TLS": "true",
        "SSHGATE_LDAP_CA_FILE": str(slapd.ca.ca_file),
        "SSHGATE_LDAP_BIND_DN": SERVICE_DN,
        "SSHGATE_LDAP_BIND_PASSWORD_FILE": str(service_password_file),
        "SSHGATE_LDAP_USER_BASE": PEOPLE,
        "SSHGATE_LDAP_GROUP_BASE": GROUPS,
        "SSHGATE_LDAP_NESTED_GROUPS": "true",
        "SSHGATE_LDAP_GROUP_MAP": json.dumps({"devs": "dev", "platform": "prod"}),
        "SSHGATE_LDAP_ADMIN_GROUPS": "sshgate-admins",
        "SSHGATE_LDAP_LOGIN_LABEL": LABEL,
        # The page as the core and this plugin make it: the repository's test-only plugin
        # (sign-in methods of its own) and the other first-party plugins stay out.
        "SSHGATE_DISABLE_PLUGINS": "testplugin,oidc,webhooks,monitoring,recording,sftp",
    }


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_directory_user_signs_in_from_the_login_page(sshgate_page, theme):
    page = sshgate_page.page
    page.emulate_media(color_scheme=theme)
    sshgate_page.open()
    expect(page.locator("#login-accepts")).to_have_text(f"Use a local account or your {LABEL}")
    sshgate_page.screenshot(f"login-{theme}")

    sshgate_page.sign_in("alice", "not-alices-password-1")
    expect(page.get_by_role("alert")).to_contain_text("invalid username or password")
    sshgate_page.allow_problem("401")  # the refused attempt is logged by the browser

    sshgate_page.sign_in("alice", USERS["alice"])
    page.get_by_role("banner").wait_for()
    expect(page.get_by_role("button", name="alice", exact=True)).to_be_visible()
    sshgate_page.screenshot(f"signed-in-{theme}")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_users_screen_shows_each_accounts_source(sshgate_page, theme):
    server = sshgate_page.server
    server.login("bob", USERS["bob"])  # a directory account, made at its first sign-in
    page = sshgate_page.page
    page.emulate_media(color_scheme=theme)
    sshgate_page.sign_in_admin()
    sshgate_page.menu_item("Users")
    table = page.get_by_role("table")
    bob = table.get_by_role("row").filter(has=page.get_by_role("button", name="bob", exact=True))
    expect(bob.get_by_role("cell").nth(1)).to_have_text("ldap")
    expect(bob.get_by_role("cell").nth(2)).to_have_text("admin")
    admin = table.get_by_role("row").filter(
        has=page.get_by_role("button", name="admin", exact=True)
    )
    expect(admin.get_by_role("cell").nth(1)).to_have_text("local")
    expect(page.get_by_role("columnheader", name="Source")).to_be_visible()
    # A directory account: no password to reset here, and the directory sets role and groups.
    bob.get_by_role("button", name="bob", exact=True).click()
    expect(page.get_by_text("Signs in through ldap: role and groups are set again")).to_be_visible()
    expect(page.get_by_role("button", name="Reset password")).to_be_hidden()
    sshgate_page.screenshot(f"users-{theme}")
