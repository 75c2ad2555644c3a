"""Throttling and lockout apply to single sign-on as to passwords: failed provider sign-ins
count against the caller's address, and a locked address can start no flow."""

from __future__ import annotations

import pytest
from conftest import audit, error_of, query_of, sign_in_flow, start_flow


@pytest.fixture
def sshgate_settings_overrides(oidc_config):
    # A low address limit, so that the lockout test needs few failures.
    return {
        "plugin_settings": {"oidc": oidc_config},
        "login_ip_max_failures": 3,
        "login_max_failures": 2,
    }


async def test_failed_provider_sign_ins_lock_the_address_out(client, admin_client):
    for _ in range(3):
        state = query_of(await start_flow(client))["state"]
        refused = await client.get(
            "/api/oidc/callback", query_string={"state": state + "x", "code": "c"}
        )
        assert refused.status_code == 401
    # Locked: neither a new flow nor a callback goes to the provider, and the password form
    # is locked for this address as well.
    locked = await client.get("/api/oidc/start")
    assert locked.status_code == 429
    assert (await error_of(locked))["code"] == "too_many_attempts"
    assert "Location" not in locked.headers
    callback = await client.get("/api/oidc/callback", query_string={"state": "s", "code": "c"})
    assert callback.status_code == 429
    password = await client.post(
        "/api/auth/login", json={"username": "nobody", "password": "x" * 12, "client": "api"}
    )
    assert password.status_code == 429
    entries = await audit(admin_client, "auth.login_failed")
    assert [e["details"]["provider"] for e in entries] == ["oidc"] * 3


@pytest.mark.parametrize("oidc_extra", [{"require_group": True}])
async def test_failures_the_provider_vouched_for_lock_the_account(
    client, admin_client, openid_provider
):
    # oscar is in no mapped group: refused twice, which locks his account (the limit is 2),
    # so that being granted a group at the provider does not let him in before the lockout ends.
    for _ in range(2):
        assert (await sign_in_flow(client, "oscar")).status_code == 403
    openid_provider.django(
        """
        from django.contrib.auth.models import Group, User
        User.objects.get(username="oscar").groups.add(Group.objects.get(name="engineering"))
        """
    )
    try:
        locked = await sign_in_flow(client, "oscar")
    finally:
        openid_provider.django(
            """
            from django.contrib.auth.models import Group, User
            User.objects.get(username="oscar").groups.remove(Group.objects.get(name="engineering"))
            """
        )
    assert locked.status_code == 429
    assert (await error_of(locked))["code"] == "too_many_attempts"
    assert (await client.get("/api/auth/me")).status_code == 401
    entries = await audit(admin_client, "auth.login_failed")
    assert {e["actor"] for e in entries} == {"oscar"}
    assert all(e["details"]["provider"] == "oidc" for e in entries)
