"""The login page offers each redirect-style sign-in method (OIDC-like) as a button, and a
click signs in through the provider. It uses the browser fixtures sshgate ships for plugins
(``sshgate.testing.browser``, enabled for this suite in pyproject.toml); the test plugin is
loaded by the sshgate process they start (it is on the test run's path)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_redirect_login_method_is_a_button_that_signs_in(sshgate_page, theme):
    page = sshgate_page.page
    page.emulate_media(color_scheme=theme)
    sshgate_page.open()
    button = page.get_by_role("link", name="Sign in with TestSSO")
    button.wait_for()
    # A password provider ("testdir") is named under the title: the same form serves it.
    expect(page.locator("#login-accepts")).to_have_text(
        "Use a local account or your Test directory"
    )
    sshgate_page.screenshot(f"login-{theme}")
    button.click()
    page.get_by_role("banner").wait_for()
    page.get_by_role("button", name="sso-sam", exact=True).wait_for()
