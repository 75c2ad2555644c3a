"""What the login form sends never changes a filter: names are escaped (LDAP injection), and
an empty password never reaches the directory (a simple bind without a password is an
anonymous bind, which servers answer with success)."""

from __future__ import annotations

import pytest
from ldap_helpers import GENERIC, error_of, me, refusals, sign_in, token_of
from ldap_slapd import GROUPS, PEOPLE, SERVICE_DN, SERVICE_PASSWORD, USER_FILTER, USERS

from sshgate_ldap.directory import Directory
from sshgate_ldap.provider import check
from sshgate_ldap.settings import LdapSettings

# Each would select alice's entry if pasted into USER_FILTER unescaped, so that alice's
# password would sign the attacker in under a name of their choosing.
INJECTIONS = [
    "al*",  # a wildcard
    "*)(uid=alice",  # closes the uid test and adds one of its own
    "alice)(uid=*",
    "alice)(|(uid=*",  # an unbalanced filter
    "\\61lice",  # a hex escape of "a" that an unescaped filter decodes to alice
]


@pytest.mark.parametrize("name", INJECTIONS)
async def test_filter_syntax_in_a_name_is_matched_literally(client, admin_client, name):
    response = await sign_in(client, name, USERS["alice"])
    assert response.status_code == 401
    assert await error_of(response) == GENERIC
    # The directory was asked, and found no entry with that literal name.
    assert (await refusals(admin_client))[name] == "not_found"


async def test_names_and_dns_with_filter_characters_still_sign_in(client, slapd):
    # Escaping must not break real names: parentheses and a star in the uid (and so in the
    # DN, which goes into the group filter), and a comma, which the DN escapes itself.
    for uid in ("o*brien(ops)", "lee, ann"):
        slapd.add_user(uid, "special-name-pass-1", groups=("devs",))
        try:
            user = await me(client, await token_of(client, uid, "special-name-pass-1"))
            assert user["username"] == uid
            assert user["allowed_groups"] == ["dev", "prod"]  # groups found through the DN
        finally:
            slapd.delete_user(uid, groups=("devs",))


async def test_a_nul_in_a_name_is_refused_before_any_directory(client, slapd):
    before = slapd.accepted()
    response = await sign_in(client, "alice\x00", USERS["alice"])
    assert response.status_code == 400
    assert (await response.get_json())["error"]["code"] == "validation_error"
    assert slapd.accepted() == before


async def test_an_empty_password_is_refused(client, slapd):
    before = slapd.accepted()
    response = await sign_in(client, "alice", "")
    assert response.status_code == 400  # the login form's own rule
    assert (await response.get_json())["error"]["code"] == "validation_error"
    assert slapd.accepted() == before
    blank = await sign_in(client, "alice", " ")  # not empty: the directory says no
    assert blank.status_code == 401 and await error_of(blank) == GENERIC


def test_the_provider_never_binds_with_an_empty_password(slapd):
    # Below the form: the provider itself refuses, whoever calls it, without a bind.
    config = LdapSettings(
        url=slapd.ldap_url,
        bind_dn=SERVICE_DN,
        bind_password=SERVICE_PASSWORD,
        user_base=PEOPLE,
        user_filter=USER_FILTER,
        group_base=GROUPS,
    )
    directory = Directory(config, SERVICE_PASSWORD)
    try:
        before = slapd.accepted()
        assert directory.check_password(f"uid=alice,{PEOPLE}", "") is False
        assert slapd.accepted() == before
        outcome = check(directory, "alice", "")
        assert outcome.identity is None and outcome.reason == "empty_password"
        assert check(directory, "alice", USERS["alice"]).identity is not None
    finally:
        directory.close()
