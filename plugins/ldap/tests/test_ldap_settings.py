"""The settings as the environment gives them (strings), the checks that stop a bad
configuration at start-up, and what the login page learns from ``GET /api/config``."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from sshgate_ldap.mapping import map_groups
from sshgate_ldap.settings import LdapSettings

BASE = {"url": "ldap://dc1.example.org", "user_base": "ou=people,dc=example,dc=org"}


def test_the_map_and_lists_come_as_json_or_commas():
    config = LdapSettings(
        **BASE,
        group_map='{"Domain Devs": "dev", "Platform": ["prod", "staging"]}',
        admin_groups="sshgate-admins, Domain Admins",
        required_groups='["staff"]',
    )
    assert config.group_map == {"Domain Devs": "dev", "Platform": ["prod", "staging"]}
    assert config.admin_groups == ["sshgate-admins", "Domain Admins"]
    assert config.required_groups == ["staff"]


def test_the_mapping_is_case_insensitive_on_directory_names_only():
    config = LdapSettings(
        **BASE,
        group_map={"Domain Devs": "Dev", "platform": ["prod", "staging"]},
        admin_groups=["ADMINS"],
    )
    mapping = map_groups(config, ["domain devs", "PLATFORM", "unmapped"])
    assert mapping.allowed_groups == ("Dev", "prod", "staging")  # sshgate names as written
    assert mapping.is_admin is False and mapping.permitted is True
    assert map_groups(config, ["admins"]).is_admin is True


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "http://dc1"}, "URL must look like ldap://host:389"),
        ({"url": "ldap://dc1/dc=example"}, "URL takes no path"),
        ({"url": "ldaps://dc1", "start_tls": True}, "START_TLS is for ldap:// URLs"),
        ({"user_base": ""}, "USER_BASE is required"),
        ({"user_filter": "uid={username}"}, "USER_FILTER must be a filter in parentheses"),
        ({"user_filter": "(uid=alice)"}, "USER_FILTER must be a filter in parentheses"),
        ({"group_base": "ou=groups", "group_filter": "(cn=x)"}, "GROUP_FILTER must use"),
        ({"bind_dn": "cn=svc"}, "BIND_DN needs a password"),
        (
            {"bind_dn": "cn=svc", "bind_password": "a", "bind_password_file": "/run/pw"},
            "set one of BIND_PASSWORD",
        ),
        ({"group_map": "not json"}, "JSON"),
        ({"pool_size": 0}, "pool_size"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(fields, message):
    with pytest.raises(ValidationError) as refused:
        LdapSettings(**(BASE | fields))
    assert message.lower() in str(refused.value).lower()


def test_without_a_url_the_plugin_is_off():
    assert LdapSettings().enabled is False


def test_the_service_password_file_is_read_each_time(tmp_path: Path):
    secret = tmp_path / "bind-password"
    secret.write_text("first-secret\n")
    config = LdapSettings(**BASE, bind_dn="cn=svc", bind_password_file=secret)
    assert config.service_password() == "first-secret"
    assert "first-secret" not in repr(config)
    secret.unlink()
    with pytest.raises(ValueError, match="SSHGATE_LDAP_BIND_PASSWORD_FILE"):
        config.service_password()


def test_a_clear_bind_password_never_shows_in_the_settings():
    config = LdapSettings(**BASE, bind_dn="cn=svc", bind_password="clear-text-secret")
    assert "clear-text-secret" not in repr(config) and "clear-text-secret" not in str(config)
    assert config.service_password() == "clear-text-secret"


@pytest.mark.parametrize("ldap_overrides", [{"login_label": "Example Corp account"}], indirect=True)
async def test_the_login_page_learns_of_the_directory(client):
    config = await (await client.get("/api/config")).get_json()
    methods = config["extra"]["auth"]["methods"]
    assert {
        "id": "ldap",
        "kind": "password",
        "label": "Example Corp account",
        "url": None,
    } in methods
    assert methods[0]["id"] == "local"


@pytest.mark.parametrize("ldap_overrides", [{"url": ""}], indirect=True)
async def test_an_installed_but_unconfigured_plugin_offers_nothing(client):
    config = await (await client.get("/api/config")).get_json()
    ids = [m["id"] for m in config["extra"]["auth"]["methods"]]
    assert ids[0] == "local" and "ldap" not in ids
    response = await client.post(
        "/api/auth/login", json={"username": "alice", "password": "whatever-1", "client": "api"}
    )
    assert response.status_code == 401
