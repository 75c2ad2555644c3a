"""Administration and account screens in a real browser: users, 2FA, API keys, audit."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from browser_helpers import Gate, Screen
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def open_from_user_menu(screen: Screen, item: str) -> None:
    screen.page.get_by_role("button", name="admin", exact=True).click()
    screen.page.get_by_role("menuitem", name=item).click()


def test_admin_creates_a_user_whose_password_is_shown_once(
    screen: Screen, gate: Gate, new_screen: Any
) -> None:
    page = screen.page
    gate.admin(
        "POST",
        "api/servers",
        {"name": "prod-web", "host": "10.1.0.5", "username": "www", "group": "production"},
    )
    screen.sign_in_admin()
    open_from_user_menu(screen, "Users")
    expect(page.get_by_role("tab", name="Users")).to_have_attribute("aria-selected", "true")
    form = page.get_by_role("region", name="New user")
    form.get_by_label("Username").fill("alice")
    groups = form.get_by_label("Allowed groups")
    groups.fill("production")
    groups.press("Enter")
    form.get_by_role("switch", name="May use quick connect").check()
    screen.shot("users-create")
    form.get_by_role("button", name="Create user").click()

    secret = page.get_by_role("dialog", name="Password for alice")
    expect(secret).to_be_visible()
    password = secret.get_by_test_id("secret-value").input_value()
    assert len(password) >= 10
    screen.shots("users-generated-password", widths=("wide",))
    secret.get_by_role("button", name="Copy").click()
    expect(secret.get_by_role("button", name=re.compile("^Cop"))).to_be_visible()
    secret.get_by_role("button", name="I have stored it").click()
    expect(secret).to_be_hidden()

    accounts = page.get_by_role("region", name="Accounts")
    expect(accounts.get_by_role("row", name=re.compile("alice"))).to_contain_text("production")
    expect(accounts.get_by_role("row", name=re.compile("alice"))).to_contain_text(
        "must change password"
    )
    stored = next(
        u for u in gate.admin("GET", "api/admin/users")["users"] if u["username"] == "alice"
    )
    assert stored["allowed_groups"] == ["production"] and stored["permissions"] == ["quick_connect"]

    # Alice signs in with the generated password, must replace it, then sees her group only.
    alice = new_screen("alice")
    alice.open()
    alice.sign_in("alice", password)
    expect(alice.page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    alice.page.locator("#pw-current").fill(password)
    alice.page.locator("#pw-new").fill("alice-chosen-pass-1")
    alice.page.locator("#pw-confirm").fill("alice-chosen-pass-1")
    alice.page.get_by_role("button", name="Change password").click()
    alice.wait_for_workspace()
    expect(alice.page.get_by_role("navigation", name="Servers")).to_contain_text("prod-web")
    expect(alice.page.get_by_role("button", name="Add server")).to_be_hidden()

    # The admin manages her: sessions, a password reset, disabling.
    accounts.get_by_role("button", name="alice").click()
    manage = page.get_by_role("region", name="alice")
    expect(manage.get_by_text(re.compile("^browser · "))).to_be_visible()
    screen.shots("users-manage", widths=("wide",))
    manage.get_by_role("button", name="Reset password").click()
    page.get_by_role("dialog", name="Reset the password of alice?").get_by_role(
        "button", name="Reset password"
    ).click()
    reset = page.get_by_role("dialog", name="New password for alice")
    expect(reset.get_by_test_id("secret-value")).not_to_have_value("")
    reset.get_by_role("button", name="I have stored it").click()
    expect(manage.get_by_text("No active session.")).to_be_visible()  # reset signs her out
    manage.get_by_role("switch", name="Account disabled").check()
    manage.get_by_role("button", name="Save").click()
    expect(accounts.get_by_role("row", name=re.compile("alice"))).to_contain_text("disabled")
    manage.get_by_role("button", name="Unlock").click()
    expect(page.get_by_text("alice unlocked")).to_be_visible()


def test_two_factor_enrolment_and_a_login_with_codes(
    screen: Screen, gate: Gate, new_screen: Any
) -> None:
    gate.admin(
        "POST",
        "api/admin/users",
        {"username": "bob", "password": "bob-first-pass-1", "role": "user"},
    )
    bob_token = gate.login("bob", "bob-first-pass-1")
    gate.call(
        "POST",
        "api/auth/password",
        {"current_password": "bob-first-pass-1", "new_password": "bob-chosen-pass-2"},
        bob_token,
    )

    page = screen.page
    screen.open()
    screen.sign_in("bob", "bob-chosen-pass-2")
    screen.wait_for_workspace()
    page.get_by_role("button", name="bob", exact=True).click()
    page.get_by_role("menuitem", name="Account and security").click()
    page.get_by_role("button", name="Set up two-factor authentication").click()
    secret_text = page.get_by_test_id("totp-secret")
    expect(secret_text).not_to_be_empty()
    expect(page.get_by_role("img", name="QR code of the two-factor secret")).to_be_visible()
    screen.shots("account-2fa-enrol")
    totp = pyotp.TOTP(secret_text.inner_text().replace(" ", ""))
    # Enrol with the previous time step's code (inside the allowed drift), so that the login
    # below can use the current one at once: a step, once used, never works again.
    page.get_by_label("Code from the app").fill(totp.at(time.time() - totp.interval))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("Signing in asks for a code.")).to_be_visible()

    # A new browser: password, then a code.
    bob = new_screen("login")
    bob.open()
    bob.sign_in("bob", "bob-chosen-pass-2")
    expect(bob.page.get_by_label("Authentication code")).to_be_visible()
    bob.shots("second-factor", widths=("phone",))
    bob.page.get_by_label("Authentication code").fill(totp.now())
    bob.page.get_by_role("button", name="Verify").click()
    bob.wait_for_workspace()
    expect(bob.page.get_by_role("button", name="bob", exact=True)).to_be_visible()


def test_api_keys_are_shown_once_and_can_be_revoked(screen: Screen, gate: Gate) -> None:
    page = screen.page
    screen.sign_in_admin()
    open_from_user_menu(screen, "Account and security")
    keys = page.get_by_role("region", name="API keys")
    keys.get_by_label("Name").fill("backup script")
    keys.get_by_label("Expires after (days)").fill("30")
    keys.get_by_role("switch", name=re.compile("Read-only")).check()
    keys.get_by_role("button", name="Create API key").click()
    shown = page.get_by_role("dialog", name='API key "backup script"')
    key = shown.get_by_test_id("secret-value").input_value()
    assert key.startswith("sg_")
    shown.get_by_role("button", name="I have stored it").click()
    expect(keys.get_by_text("backup script")).to_be_visible()
    expect(keys).to_contain_text("read-only")
    assert gate.call("GET", "api/auth/me", token=key)["user"]["username"] == "admin"
    screen.shots("account")

    keys.get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog", name='Revoke the API key "backup script"?').get_by_role(
        "button", name="Revoke key"
    ).click()
    expect(keys.get_by_text("No API key yet.")).to_be_visible()


def test_audit_log_filters_pages_and_exports(screen: Screen, gate: Gate) -> None:
    page = screen.page
    screen.sign_in_admin()
    open_from_user_menu(screen, "Audit log")
    audit = page.get_by_role("tabpanel")
    expect(audit.get_by_role("row").nth(1)).to_be_visible()
    audit.get_by_label("Action").fill("auth.*")
    audit.get_by_label("Outcome").select_option("success")
    audit.get_by_role("button", name="Search").click()
    rows = audit.locator("tbody tr")
    expected = gate.admin("GET", "api/audit?action=auth.*&outcome=success")["entries"]
    expect(rows).to_have_count(len(expected))
    for text in rows.all_inner_texts():
        assert "auth." in text and "success" in text.lower()
    href = audit.get_by_role("link", name="Export CSV").get_attribute("href")
    assert href.startswith("api/audit/export?") and "action=auth.*" in href.replace("%2A", "*")
    assert "format=csv" in href
    screen.shots("audit")
    audit.get_by_role("button", name="Reset").click()
    expect(audit.get_by_label("Action")).to_have_value("")
