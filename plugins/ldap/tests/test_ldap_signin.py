"""Signing in with directory accounts: search-then-bind, groups (nested), the group map,
admin groups, refresh at every sign-in, and the accounts that must not get in."""

from __future__ import annotations

import pytest
from ldap_helpers import GENERIC, audit, error_of, me, refusals, sign_in, token_of
from ldap_slapd import USERS

from sshgate.testing.fixtures import TEST_ADMIN_PASSWORD


async def test_a_directory_user_signs_in_with_nested_groups_mapped(client, admin_client):
    token = await token_of(client, "alice", USERS["alice"])
    user = await me(client, token)
    assert user["username"] == "alice" and user["source"] == "ldap"
    # devs -> dev directly; platform -> prod through devs in engineering in platform;
    # ops-posix (a posixGroup) needs another GROUP_FILTER (see test_group_filter_setting).
    assert user["allowed_groups"] == ["dev", "prod"]
    assert user["role"] == "user" and user["must_change_password"] is False
    [login] = [e for e in await audit(admin_client, "auth.login") if e["actor"] == "alice"]
    assert login["details"]["provider"] == "ldap"
    assert login["details"]["method"] == "password:ldap"
    listed = await (await admin_client.get("/api/admin/users")).get_json()
    assert {u["username"]: u["source"] for u in listed["users"]}["alice"] == "ldap"


async def test_admin_groups_grant_admin(client):
    user = await me(client, await token_of(client, "bob", USERS["bob"]))
    assert user["role"] == "admin" and user["allowed_groups"] == []


async def test_a_group_cycle_is_followed_once(client):
    # carol is in loop-a, which is in loop-b, which is in loop-a.
    user = await me(client, await token_of(client, "carol", USERS["carol"]))
    assert user["allowed_groups"] == ["loops"]


async def test_groups_and_role_are_refreshed_at_every_sign_in(client, slapd, unique):
    slapd.add_user(unique, "first-pass-123", groups=("devs",))
    try:
        first = await me(client, await token_of(client, unique, "first-pass-123"))
        assert first["allowed_groups"] == ["dev", "prod"] and first["role"] == "user"
        slapd.delete_user(unique, groups=("devs",))
        slapd.add_user(unique, "second-pass-456", groups=("sshgate-admins",))
        # The old password no longer works: the directory decides, not a cache.
        assert (await sign_in(client, unique, "first-pass-123")).status_code == 401
        second = await me(client, await token_of(client, unique, "second-pass-456"))
        assert second["id"] == first["id"]
        assert second["allowed_groups"] == [] and second["role"] == "admin"
    finally:
        slapd.delete_user(unique, groups=("sshgate-admins",))


async def test_wrong_password_and_unknown_names_get_the_generic_401(client, admin_client):
    wrong = await sign_in(client, "alice", "not-alices-password")
    unknown = await sign_in(client, "nobody-here", "whatever-password-1")
    assert wrong.status_code == unknown.status_code == 401
    assert await error_of(wrong) == await error_of(unknown) == GENERIC
    assert await refusals(admin_client) == {"alice": "bad_password", "nobody-here": "not_found"}
    entries = await audit(admin_client, "auth.login_failed")
    failed = {e["actor"]: e["details"]["reason"] for e in entries}
    assert failed == {"alice": "bad_credentials", "nobody-here": "bad_credentials"}
    # The providers asked are named (here also the repository's test-only one), never "local".
    assert all("ldap" in e["details"]["provider"].split(",") for e in entries)


@pytest.mark.parametrize("ldap_overrides", [{"pool_size": 1}], indirect=True)
async def test_the_service_connection_is_reused_between_sign_ins(client, slapd):
    await token_of(client, "alice", USERS["alice"])
    before = slapd.accepted()
    await token_of(client, "bob", USERS["bob"])
    await token_of(client, "carol", USERS["carol"])
    # One connection per user's bind; the searches ran on the first sign-in's connection.
    assert slapd.accepted() - before == 2


async def test_the_directory_entry_admin_never_becomes_the_local_admin(client, admin_client):
    response = await sign_in(client, "admin", USERS["admin"])
    assert response.status_code == 401 and await error_of(response) == GENERIC
    # The core never even asks the directory about a local name.
    assert "admin" not in await refusals(admin_client)
    local = await sign_in(client, "admin", TEST_ADMIN_PASSWORD)
    assert local.status_code == 200
    assert (await local.get_json())["user"]["source"] == "local"


async def test_a_local_account_is_not_taken_over_by_a_later_directory_entry(
    client, make_client, admin_client, slapd, unique
):
    local = await make_client(unique)  # a local account first
    slapd.add_user(unique, "directory-pass-789", groups=("sshgate-admins",))
    try:
        response = await sign_in(client, unique, "directory-pass-789")
        assert response.status_code == 401
        listed = await (await admin_client.get("/api/admin/users")).get_json()
        row = {u["username"]: u for u in listed["users"]}[unique]
        assert row["source"] == "local" and row["role"] == "user" and row["id"] == local.user_id
    finally:
        slapd.delete_user(unique, groups=("sshgate-admins",))


async def test_disabled_and_removed_directory_users_cannot_sign_in(
    client, admin_client, slapd, unique
):
    # dave is marked disabled in the directory; USER_FILTER leaves him out.
    assert (await sign_in(client, "dave", USERS["dave"])).status_code == 401
    slapd.add_user(unique, "soon-gone-pass-1", groups=("devs",))
    token = await token_of(client, unique, "soon-gone-pass-1")
    slapd.delete_user(unique, groups=("devs",))
    response = await sign_in(client, unique, "soon-gone-pass-1")
    assert response.status_code == 401 and await error_of(response) == GENERIC
    reasons = await refusals(admin_client)
    assert reasons["dave"] == "not_found" and reasons[unique] == "not_found"
    assert (await me(client, token))["username"] == unique  # the session it had lives on


async def test_an_account_an_administrator_disabled_stays_out(client, admin_client):
    user = await me(client, await token_of(client, "erin", USERS["erin"]))
    changed = await admin_client.patch(f"/api/admin/users/{user['id']}", json={"disabled": True})
    assert changed.status_code == 200, await changed.get_json()
    assert (await sign_in(client, "erin", USERS["erin"])).status_code == 401
    failed = [e for e in await audit(admin_client, "auth.login_failed") if e["actor"] == "erin"]
    assert failed[-1]["details"] == failed[-1]["details"] | {
        "reason": "disabled",
        "provider": "ldap",
    }


@pytest.mark.parametrize("ldap_overrides", [{"required_groups": ["engineering"]}], indirect=True)
async def test_required_groups_keep_other_users_out(client, admin_client):
    assert (await sign_in(client, "alice", USERS["alice"])).status_code == 200  # nested
    assert (await sign_in(client, "bob", USERS["bob"])).status_code == 200  # an admin
    assert (await sign_in(client, "carol", USERS["carol"])).status_code == 401
    assert (await refusals(admin_client))["carol"] == "not_in_required_group"


@pytest.mark.parametrize(
    "ldap_overrides",
    [{"group_filter": "(|(member={dn})(memberUid={username}))", "nested_groups": False}],
    indirect=True,
)
async def test_group_filter_setting(client):
    # posixGroup memberUid counts now; without nesting, platform (two levels up) does not.
    user = await me(client, await token_of(client, "alice", USERS["alice"]))
    assert user["allowed_groups"] == ["dev", "ops"]


@pytest.mark.parametrize("ldap_overrides", [{"nested_depth": 2}], indirect=True)
async def test_nesting_stops_at_the_configured_depth(client):
    # devs (1) is in engineering (2), which is in platform (3): two levels stop short of it.
    user = await me(client, await token_of(client, "alice", USERS["alice"]))
    assert user["allowed_groups"] == ["dev"]


@pytest.mark.parametrize("ldap_overrides", [{"group_base": ""}], indirect=True)
async def test_without_a_group_base_users_get_no_groups(client):
    user = await me(client, await token_of(client, "bob", USERS["bob"]))
    assert user["allowed_groups"] == [] and user["role"] == "user"


@pytest.mark.parametrize("core_overrides", [{"login_max_failures": 3}], indirect=True)
async def test_directory_sign_ins_are_throttled_and_locked_out(client, admin_client, slapd):
    before = slapd.accepted()
    for _ in range(3):
        assert (await sign_in(client, "alice", "guessing-password-1")).status_code == 401
    asked = slapd.accepted()
    locked = await sign_in(client, "alice", USERS["alice"])
    assert locked.status_code == 429
    assert (await locked.get_json())["error"]["code"] == "too_many_attempts"
    # A locked name never reaches the directory (no new connection at all).
    assert slapd.accepted() == asked > before
    failed = [e for e in await audit(admin_client, "auth.login_failed") if e["actor"] == "alice"]
    assert len(failed) == 3
