"""StartTLS and LDAPS against the test directory's own CA; a CA that did not sign the
directory's certificate is refused (503), unless certificate checking is turned off."""

from __future__ import annotations

import pytest
from ldap_helpers import audit, error_of, me, sign_in, token_of
from ldap_slapd import USERS
from ldap_tls import make_ca


@pytest.fixture
def wrong_ca(tmp_path):
    return make_ca(tmp_path / "other-ca", "some other CA").ca_file


@pytest.fixture
def ldap_overrides(request, slapd, wrong_ca):
    mode, ca = request.param
    config = {"ca_file": str(slapd.ca.ca_file if ca == "right" else wrong_ca)}
    if mode == "starttls":
        config |= {"url": slapd.ldap_url, "start_tls": True}
    elif mode == "ldaps":
        config |= {"url": slapd.ldaps_url}
    else:  # ldaps, wrong CA, checking off
        config |= {"url": slapd.ldaps_url, "verify_certificate": False}
    return config


@pytest.mark.parametrize(
    "ldap_overrides", [("starttls", "right"), ("ldaps", "right")], indirect=True
)
async def test_sign_in_over_tls_with_the_directorys_ca(client, slapd):
    accepted, encrypted = slapd.accepted(), slapd.tls_established()
    user = await me(client, await token_of(client, "alice", USERS["alice"]))
    assert user["source"] == "ldap" and user["allowed_groups"] == ["dev", "prod"]
    # Both connections (the service account's and alice's bind) were encrypted.
    assert slapd.accepted() - accepted == slapd.tls_established() - encrypted == 2


@pytest.mark.parametrize(
    "ldap_overrides", [("starttls", "wrong"), ("ldaps", "wrong")], indirect=True
)
async def test_a_certificate_from_another_ca_is_refused(client, admin_client):
    response = await sign_in(client, "alice", USERS["alice"])
    assert response.status_code == 503
    code, message = await error_of(response)
    assert code == "provider_unavailable" and "ldap" in message
    assert "certificate verify failed" in message
    [failed] = await audit(admin_client, "auth.login_failed")
    assert failed["details"]["reason"] == "provider_unavailable"
    assert failed["details"]["provider"] == "ldap"


@pytest.mark.parametrize("ldap_overrides", [("unchecked", "wrong")], indirect=True)
async def test_certificate_checking_can_be_turned_off_on_purpose(client):
    assert (await sign_in(client, "alice", USERS["alice"])).status_code == 200
