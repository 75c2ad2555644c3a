"""The ID token checks against the real provider (django-oidc-provider, its own process),
on SQLite and PostgreSQL: nonce, audience, issuer, expiry and its bounded leeway, the signing
algorithm, key rotation and the rate-limited JWKS refetch, a provider that does not answer.

Tokens a correct provider would never issue (another audience, expired, another issuer)
come from the same provider through ``OpenIdProvider.issuing``: the claims hook it runs
before signing, so they carry its real signature."""

from __future__ import annotations

import pytest
from conftest import audit, call_back, error_of, op_sign_in, sign_in_flow, start_flow, with_query
from oidc_op import CLIENT_ID, HS256_CLIENT_ID, HS256_CLIENT_SECRET, free_port

from sshgate.testing.fixtures import TEST_ADMIN_PASSWORD
from sshgate_oidc.provider import provider_of


async def reasons(admin_client) -> list[str]:
    entries = await audit(admin_client, "auth.login_failed")
    assert all(e["details"]["provider"] == "oidc" for e in entries)
    return [str(e["details"]["reason"]) for e in entries]


async def test_a_wrong_nonce_is_refused(client, admin_client):
    # The provider puts into the ID token the nonce it was given; this one is not ours.
    url = with_query(await start_flow(client), nonce="a-nonce-sshgate-never-issued-123")
    refused = await call_back(client, await op_sign_in(url, "olivia"))
    assert refused.status_code == 401
    [entry] = await audit(admin_client, "auth.login_failed")
    assert entry["details"]["reason"] == "wrong_nonce"
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_key_rotation_refetches_the_jwks(app, client, openid_provider):
    assert (await sign_in_flow(client, "olivia")).status_code == 303
    provider = provider_of(app)
    assert provider is not None and provider.jwks_fetches == 1
    assert (await sign_in_flow(client, "olivia")).status_code == 303
    assert provider.jwks_fetches == 1  # known kid: the cached keys serve
    openid_provider.rotate_key()
    rotated = await sign_in_flow(client, "olivia")
    assert rotated.status_code == 303, await rotated.get_data(as_text=True)
    assert provider.jwks_fetches == 2


async def test_a_token_for_another_audience_is_refused(client, admin_client, openid_provider):
    # The real provider, misconfigured, signs with its real key a token meant for another
    # client: the signature verifies, the audience does not.
    with openid_provider.issuing(aud="another-client"):
        refused = await sign_in_flow(client, "olivia")
    assert refused.status_code == 401
    assert "aud" in (await error_of(refused))["message"]
    assert (await client.get("/api/auth/me")).status_code == 401
    [entry] = await audit(admin_client, "auth.login_failed")
    assert entry["details"]["reason"] == "wrong_audience"
    assert entry["details"]["provider"] == "oidc"


async def test_an_expired_token_is_refused_within_a_bounded_leeway(
    client, admin_client, openid_provider
):
    with openid_provider.issuing(iat_in=-900, exp_in=-600):
        expired = await sign_in_flow(client, "olivia")
    assert expired.status_code == 401
    assert "expired" in (await error_of(expired))["message"]
    # 20 s late is clock skew (the default leeway is 60 s); 120 s late is not.
    with openid_provider.issuing(iat_in=-320, exp_in=-20):
        assert (await sign_in_flow(client, "olivia")).status_code == 303
    with openid_provider.issuing(iat_in=-420, exp_in=-120):
        assert (await sign_in_flow(client, "oscar")).status_code == 401
    reasons = [e["details"]["reason"] for e in await audit(admin_client, "auth.login_failed")]
    assert reasons == ["token_expired", "token_expired"]


@pytest.mark.parametrize("oidc_extra", [{"leeway": 0}])
async def test_without_leeway_a_token_just_expired_is_refused(
    client, admin_client, openid_provider
):
    with openid_provider.issuing(iat_in=-305, exp_in=-5):
        assert (await sign_in_flow(client, "olivia")).status_code == 401
    [entry] = await audit(admin_client, "auth.login_failed")
    assert entry["details"]["reason"] == "token_expired"


async def test_a_token_without_nonce_is_refused(client, admin_client):
    url = with_query(await start_flow(client), drop=("nonce",))
    refused = await call_back(client, await op_sign_in(url, "olivia"))
    assert refused.status_code == 401
    assert await reasons(admin_client) == ["wrong_nonce"]


async def test_another_issuer_is_refused(client, admin_client, openid_provider):
    with openid_provider.issuing(iss="https://idp.evil.example/openid"):
        refused = await sign_in_flow(client, "olivia")
    assert refused.status_code == 401
    assert await reasons(admin_client) == ["wrong_issuer"]


async def test_several_audiences_need_us_as_authorized_party(client, admin_client, openid_provider):
    with openid_provider.issuing(aud=[CLIENT_ID, "another-client"]):
        assert (await sign_in_flow(client, "olivia")).status_code == 401
    with openid_provider.issuing(aud=[CLIENT_ID, "another-client"], azp=CLIENT_ID):
        assert (await sign_in_flow(client, "olivia")).status_code == 303
    assert await reasons(admin_client) == ["wrong_audience"]


async def test_a_token_without_username_is_refused(client, admin_client, openid_provider):
    with openid_provider.issuing(preferred_username=None):
        refused = await sign_in_flow(client, "olivia")
    assert refused.status_code == 401
    assert "preferred_username" in (await error_of(refused))["message"]
    assert await reasons(admin_client) == ["no_username"]


@pytest.mark.parametrize(
    "oidc_extra",
    [{"groups_claim": "realm_access.roles", "admin_groups": ["ops-admin"]}],
)
async def test_roles_in_a_nested_claim_map_to_groups(client, openid_provider):
    # Keycloak puts realm roles under realm_access.roles.
    with openid_provider.issuing(realm_access={"roles": ["engineering", "ops-admin"]}):
        assert (await sign_in_flow(client, "oscar")).status_code == 303
    user = (await (await client.get("/api/auth/me")).get_json())["user"]
    assert user["allowed_groups"] == ["dev"] and user["role"] == "admin"


@pytest.mark.parametrize(
    "oidc_extra", [{"client_id": HS256_CLIENT_ID, "client_secret": HS256_CLIENT_SECRET}]
)
async def test_shared_secret_signatures_are_refused(client, admin_client):
    # The provider signs this client's ID tokens with HS256 and the client secret: anyone who
    # knows the secret could forge them, so sshgate accepts public-key signatures only.
    refused = await sign_in_flow(client, "olivia")
    assert refused.status_code == 401
    assert "HS256" in (await error_of(refused))["message"]
    assert await reasons(admin_client) == ["bad_algorithm"]


# An hour between refetches: the test does not depend on how fast a loaded machine is.
@pytest.mark.parametrize("oidc_extra", [{"jwks_min_refetch": 3600}])
async def test_unknown_keys_refetch_the_jwks_at_most_once_a_while(
    app, client, admin_client, openid_provider
):
    assert (await sign_in_flow(client, "olivia")).status_code == 303
    provider = provider_of(app)
    assert provider is not None and provider.jwks_fetches == 1
    openid_provider.rotate_key()
    assert (await sign_in_flow(client, "olivia")).status_code == 303
    assert provider.jwks_fetches == 2
    # A second new kid within jwks_min_refetch gets no download: a stream of tokens
    # with made-up kids cannot turn sshgate into a load generator against the provider.
    openid_provider.rotate_key()
    refused = await sign_in_flow(client, "olivia")
    assert refused.status_code == 401
    assert provider.jwks_fetches == 2
    assert await reasons(admin_client) == ["bad_signature"]


# Nothing listens there: the provider is down.
@pytest.mark.parametrize("oidc_extra", [{"issuer": f"http://127.0.0.1:{free_port()}/openid"}])
async def test_a_provider_that_does_not_answer_is_a_503_and_local_sign_in_works(client):
    down = await client.get("/api/oidc/start")
    assert down.status_code == 503
    error = await error_of(down)
    assert error["code"] == "provider_unavailable" and "Test OP" in error["message"]
    local = await client.post(
        "/api/auth/login",
        json={"username": "admin", "password": TEST_ADMIN_PASSWORD, "client": "api"},
    )
    assert local.status_code == 200


@pytest.mark.parametrize(
    "oidc_extra", [{"required_claims": {"hd": "example.test", "email_verified": True}}]
)
async def test_required_claims_keep_other_accounts_out(client, admin_client, openid_provider):
    # Google signs in any Google account: hd (the Workspace domain) says whose it is.
    with openid_provider.issuing(hd="elsewhere.example", email_verified=True):
        refused = await sign_in_flow(client, "olivia")
    assert refused.status_code == 403
    with openid_provider.issuing(hd="example.test", email_verified=False):
        assert (await sign_in_flow(client, "olivia")).status_code == 403
    with openid_provider.issuing(hd="example.test", email_verified=True):
        assert (await sign_in_flow(client, "olivia")).status_code == 303
    assert sorted(await reasons(admin_client)) == [
        "claim_mismatch:email_verified",
        "claim_mismatch:hd",
    ]


async def test_an_account_stays_with_the_person_it_was_made_for(
    client, admin_client, openid_provider
):
    assert (await sign_in_flow(client, "olivia")).status_code == 303
    # The name "olivia" given to another person at the provider (another sub): refused.
    with openid_provider.issuing(sub="someone-else-entirely"):
        taken = await sign_in_flow(client, "olivia")
    assert taken.status_code == 403
    assert await reasons(admin_client) == ["subject_mismatch"]
    # Once an administrator deletes the account, the name may start afresh.
    users = (await (await admin_client.get("/api/admin/users")).get_json())["users"]
    [olivia] = [u for u in users if u["username"] == "olivia"]
    deleted = await admin_client.delete(f"/api/admin/users/{olivia['id']}")
    assert deleted.status_code == 200, await deleted.get_json()
    with openid_provider.issuing(sub="someone-else-entirely"):
        fresh = await sign_in_flow(client, "olivia")
    assert fresh.status_code == 303, await fresh.get_data(as_text=True)
    assert (await (await client.get("/api/auth/me")).get_json())["user"]["username"] == "olivia"


async def test_an_authorized_party_must_be_us(client, admin_client, openid_provider):
    with openid_provider.issuing(azp="another-client"):
        assert (await sign_in_flow(client, "olivia")).status_code == 401
    assert await reasons(admin_client) == ["wrong_audience"]
