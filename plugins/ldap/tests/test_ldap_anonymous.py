"""Without BIND_DN the plugin searches anonymously (directories that allow it); the users'
own binds still check the passwords."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ldap_helpers import GENERIC, error_of, me, sign_in, token_of
from ldap_slapd import USERS, Slapd, start_slapd


@pytest.fixture(scope="module")
def anonymous_directory() -> Iterator[Slapd]:
    directory = start_slapd(anonymous_read=True)
    try:
        yield directory
    finally:
        directory.remove()


@pytest.fixture
def ldap_directory(anonymous_directory: Slapd) -> Slapd:
    return anonymous_directory


@pytest.fixture
def ldap_overrides() -> dict[str, object]:
    return {"bind_dn": None, "bind_password_file": None}


async def test_an_anonymous_search_then_the_users_bind(client, anonymous_directory):
    user = await me(client, await token_of(client, "alice", USERS["alice"]))
    assert user["source"] == "ldap" and user["allowed_groups"] == ["dev", "prod"]
    wrong = await sign_in(client, "alice", "not-alices-password-2")
    assert wrong.status_code == 401 and await error_of(wrong) == GENERIC
    # Anonymous, then alice: no bind as the service account happened.
    assert "cn=sshgate,ou=services" not in anonymous_directory.log()
