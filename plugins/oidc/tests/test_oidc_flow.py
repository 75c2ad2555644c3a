"""The authorization code flow against the real provider (django-oidc-provider, its own
process), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from conftest import (
    TEST_CALLBACK,
    audit,
    call_back,
    error_of,
    op_sign_in,
    query_of,
    sign_in_flow,
    start_flow,
    with_query,
)
from oidc_op import CLIENT_ID, PUBLIC_CLIENT_ID

from sshgate.testing.fixtures import TEST_ADMIN_PASSWORD


async def me(client):
    response = await client.get("/api/auth/me")
    assert response.status_code == 200, await response.get_json()
    return await response.get_json()


async def test_login_page_offers_the_provider(client):
    config = await (await client.get("/api/config")).get_json()
    methods = config["extra"]["auth"]["methods"]
    assert {"id": "oidc", "kind": "redirect", "label": "Sign in with Test OP"}.items() <= next(
        m for m in methods if m["id"] == "oidc"
    ).items()
    assert next(m for m in methods if m["id"] == "oidc")["url"] == "api/oidc/start"


async def test_start_sends_the_browser_to_the_provider_with_pkce(client, openid_provider):
    url = await start_flow(client)
    assert url.startswith(openid_provider.issuer + "/authorize?")
    query = query_of(url)
    assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == TEST_CALLBACK
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert "openid" in query["scope"].split()
    # The verifier never leaves the server; the browser binding cookie is HttpOnly and Lax.
    assert "code_verifier" not in url
    [cookie] = [c for c in client.cookie_jar if c.name == "sshgate_oidc"]
    assert cookie.path == "/api/oidc/"
    # Two starts are two flows.
    assert query_of(await start_flow(client))["state"] != query["state"]


async def test_sign_in_through_the_real_provider(client, admin_client):
    done = await sign_in_flow(client, "olivia")
    assert done.status_code == 303, await done.get_data(as_text=True)
    # Straight on to the app root: no code, state or token stays in the address bar.
    assert done.headers["Location"] == "../../"
    assert all(token not in done.headers["Location"] for token in ("code", "state", "token"))
    body = await me(client)
    assert body["via"] == "cookie"
    user = body["user"]
    assert user["username"] == "olivia" and user["source"] == "oidc"
    assert user["allowed_groups"] == ["dev"] and user["role"] == "admin"
    assert user["must_change_password"] is False
    [entry] = [e for e in await audit(admin_client, "auth.login") if e["actor"] == "olivia"]
    assert entry["details"]["provider"] == "oidc"
    # Logout ends the sshgate session.
    csrf = body["csrf_token"]
    out = await client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 200, await out.get_json()
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_groups_follow_the_provider_at_every_sign_in(client, openid_provider):
    first = await sign_in_flow(client, "oscar")
    assert first.status_code == 303
    user = (await me(client))["user"]
    assert user["allowed_groups"] == [] and user["role"] == "user"
    openid_provider.django(
        """
        from django.contrib.auth.models import Group, User
        User.objects.get(username="oscar").groups.add(Group.objects.get(name="engineering"))
        """
    )
    try:
        again = await sign_in_flow(client, "oscar")
        assert again.status_code == 303
        refreshed = (await me(client))["user"]
        assert refreshed["id"] == user["id"] and refreshed["allowed_groups"] == ["dev"]
    finally:
        openid_provider.django(
            """
            from django.contrib.auth.models import Group, User
            User.objects.get(username="oscar").groups.remove(Group.objects.get(name="engineering"))
            """
        )


@pytest.mark.parametrize("oidc_extra", [{"require_group": True}])
async def test_a_user_in_no_mapped_group_is_refused(client, admin_client):
    refused = await sign_in_flow(client, "oscar")
    assert refused.status_code == 403
    assert (await error_of(refused))["code"] == "sso_failed"
    assert (await client.get("/api/auth/me")).status_code == 401
    [entry] = await audit(admin_client, "auth.login_failed")
    assert entry["actor"] == "oscar" and entry["details"]["reason"] == "no_mapped_group"
    assert entry["details"]["provider"] == "oidc"


async def test_wrong_state_is_refused_and_audited(client, admin_client):
    callback = await op_sign_in(await start_flow(client), "olivia")
    forged = with_query(callback, state="not-the-state-we-sent-" + "x" * 20)
    refused = await call_back(client, forged)
    assert refused.status_code == 401
    error = await error_of(refused)
    assert error["code"] == "sso_failed" and "start again" in error["message"]
    assert "set-cookie" not in {k.lower() for k in refused.headers if "sshgate_session" in k}
    assert (await client.get("/api/auth/me")).status_code == 401
    [entry] = await audit(admin_client, "auth.login_failed")
    assert entry["details"] == {**entry["details"], "reason": "bad_state", "provider": "oidc"}


async def test_a_callback_from_another_browser_is_refused(app, client, admin_client):
    callback = await op_sign_in(await start_flow(client), "olivia")
    other = app.test_client()  # no binding cookie: the link was pasted elsewhere
    refused = await call_back(other, callback)
    assert refused.status_code == 401
    [entry] = await audit(admin_client, "auth.login_failed")
    assert entry["details"]["reason"] == "wrong_browser"
    # The state died with the attempt: the rightful browser cannot reuse it either.
    assert (await call_back(client, callback)).status_code == 401


async def test_a_replayed_code_is_refused(client, admin_client):
    callback = await op_sign_in(await start_flow(client), "olivia")
    assert (await call_back(client, callback)).status_code == 303
    # The same redirect again: its state is spent.
    replayed = await call_back(client, callback)
    assert replayed.status_code == 401
    # The old code under a fresh state: the provider refuses to redeem it twice.
    fresh = query_of(await start_flow(client))["state"]
    again = await call_back(client, with_query(callback, state=fresh))
    assert again.status_code == 401
    reasons = [e["details"]["reason"] for e in await audit(admin_client, "auth.login_failed")]
    assert sorted(reasons) == ["bad_state", "token_refused:invalid_grant"]


async def test_a_tampered_pkce_challenge_is_refused(client, admin_client):
    url = await start_flow(client)
    tampered = with_query(url, code_challenge="A" * 43)
    refused = await call_back(client, await op_sign_in(tampered, "olivia"))
    assert refused.status_code == 401
    [entry] = await audit(admin_client, "auth.login_failed")
    assert entry["details"]["reason"] == "token_refused:invalid_grant"


async def test_the_provider_never_takes_over_a_local_account(client, admin_client):
    taken = await sign_in_flow(client, "admin")
    assert taken.status_code == 409
    assert (await error_of(taken))["code"] == "account_conflict"
    assert (await client.get("/api/auth/me")).status_code == 401
    [entry] = await audit(admin_client, "auth.login_failed")
    assert entry["actor"] == "admin" and entry["details"]["provider"] == "oidc"
    local = await client.post(
        "/api/auth/login",
        json={"username": "admin", "password": TEST_ADMIN_PASSWORD, "client": "api"},
    )
    assert local.status_code == 200 and (await local.get_json())["user"]["source"] == "local"


@pytest.mark.parametrize("oidc_extra", [{"auto_create": False}])
async def test_without_auto_creation_unknown_users_are_refused(client, admin_client):
    refused = await sign_in_flow(client, "olivia")
    assert refused.status_code == 403
    assert (await error_of(refused))["code"] == "account_unknown"
    users = (await (await admin_client.get("/api/admin/users")).get_json())["users"]
    assert "olivia" not in {u["username"] for u in users}


async def test_failures_answer_a_page_to_browsers(client):
    callback = await op_sign_in(await start_flow(client), "olivia")
    page = await call_back(client, with_query(callback, state="x" * 43), Accept="text/html")
    assert page.status_code == 401 and page.mimetype == "text/html"
    text = await page.get_data(as_text=True)
    assert "Sign-in with Test OP failed" in text and 'href="../../"' in text
    assert query_of(callback)["code"] not in text


async def test_the_provider_saying_no_is_a_clear_refusal(client, admin_client):
    state = query_of(await start_flow(client))["state"]
    refused = await client.get(
        "/api/oidc/callback",
        query_string={"state": state, "error": "access_denied", "error_description": "<b>no</b>"},
        headers={"Accept": "text/html"},
    )
    assert refused.status_code == 401
    text = await refused.get_data(as_text=True)
    assert "&lt;b&gt;no&lt;/b&gt;" in text and "<b>no</b>" not in text
    [entry] = await audit(admin_client, "auth.login_failed")
    assert entry["details"]["reason"] == "provider_error:access_denied"


@pytest.mark.parametrize("oidc_extra", [{"issuer": None}])
async def test_without_an_issuer_the_plugin_offers_nothing(client):
    config = await (await client.get("/api/config")).get_json()
    assert "oidc" not in {m["id"] for m in config["extra"]["auth"]["methods"]}
    start = await client.get("/api/oidc/start")
    assert start.status_code == 404
    assert (await error_of(start))["code"] == "not_found"
    callback = await client.get("/api/oidc/callback", query_string={"state": "s", "code": "c"})
    assert callback.status_code == 404


@pytest.mark.parametrize("oidc_extra", [{"client_id": PUBLIC_CLIENT_ID, "client_secret": None}])
async def test_a_public_client_signs_in_with_pkce_alone(client, admin_client):
    url = await start_flow(client)
    assert (await call_back(client, await op_sign_in(url, "olivia"))).status_code == 303
    # Without the verifier of that flow the provider would not redeem a public client's code.
    tampered = with_query(await start_flow(client), code_challenge="B" * 43)
    refused = await call_back(client, await op_sign_in(tampered, "olivia"))
    assert refused.status_code == 401
    [entry] = await audit(admin_client, "auth.login_failed")
    assert entry["details"]["reason"] == "token_refused:invalid_grant"
