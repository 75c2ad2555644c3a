"""Sign-in providers (the ``authenticate`` hook and ``sign_in()``), through the test plugin's
directory "testdir" (``dirk`` / ``directory-pass-1``) and its redirect-style "testsso"."""

from __future__ import annotations

import types

import pytest
from sshgate_testplugin import DIRECTORY_PASSWORD

from sshgate.api import hookimpl
from sshgate.testing.fixtures import TEST_ADMIN_PASSWORD
from sshgate.testing.users import DEFAULT_PASSWORD

GENERIC = ("invalid_credentials", "invalid username or password")


async def error_of(response) -> tuple[str, str]:
    error = (await response.get_json())["error"]
    return error["code"], error["message"]


@pytest.fixture
def sshgate_load_entrypoints() -> bool:
    return True


@pytest.fixture
def sshgate_settings_overrides(request):
    return getattr(request, "param", {})


@pytest.fixture
def sshgate_plugins(request):
    return getattr(request, "param", [])


async def sign_in(client, username: str, password: str):
    return await client.post(
        "/api/auth/login", json={"username": username, "password": password, "client": "api"}
    )


async def me(client, token: str) -> dict:
    response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, await response.get_json()
    return (await response.get_json())["user"]


async def audit(admin_client, action: str) -> list[dict]:
    response = await admin_client.get("/api/audit", query_string={"action": action})
    assert response.status_code == 200, await response.get_json()
    return (await response.get_json())["entries"]


async def directory(admin_client, **change) -> None:
    response = await admin_client.put("/api/testplugin/directory", json=change)
    assert response.status_code == 200, await response.get_json()


async def test_hook_authenticate(client, admin_client):
    response = await sign_in(client, "dirk", DIRECTORY_PASSWORD)
    assert response.status_code == 200, await response.get_json()
    body = await response.get_json()
    user = await me(client, body["token"])
    assert user["username"] == "dirk" and user["source"] == "testdir"
    assert user["allowed_groups"] == ["dev", "ops"] and user["role"] == "user"
    assert user["must_change_password"] is False
    # The directory changes; the account follows at the next sign-in (same account).
    await directory(admin_client, users={"dirk": {"groups": ["prod"], "is_admin": True}})
    again = await (await sign_in(client, "dirk", DIRECTORY_PASSWORD)).get_json()
    refreshed = await me(client, again["token"])
    assert refreshed["id"] == user["id"]
    assert refreshed["allowed_groups"] == ["prod"] and refreshed["role"] == "admin"
    # Audit names the provider.
    logins = [e for e in await audit(admin_client, "auth.login") if e["actor"] == "dirk"]
    assert len(logins) == 2
    assert logins[0]["details"]["provider"] == "testdir"
    assert logins[0]["details"]["method"] == "password:testdir"


async def test_wrong_directory_password_is_the_generic_401(client, admin_client):
    wrong = await sign_in(client, "dirk", "not-the-directory-password")
    unknown = await sign_in(client, "nobody-anywhere", "whatever-password-1")
    assert wrong.status_code == unknown.status_code == 401
    assert await error_of(wrong) == await error_of(unknown) == GENERIC
    failed = await audit(admin_client, "auth.login_failed")
    assert {e["actor"]: e["details"]["reason"] for e in failed} == {
        "dirk": "bad_credentials",
        "nobody-anywhere": "bad_credentials",
    }


async def test_a_directory_entry_never_takes_over_a_local_account(client, admin_client):
    # "impostor" is vouched for by the directory as the user "admin", a local account.
    response = await sign_in(client, "impostor", DIRECTORY_PASSWORD)
    assert response.status_code == 401
    assert await error_of(response) == GENERIC
    [entry] = await audit(admin_client, "auth.login_failed")
    assert entry["actor"] == "impostor" and entry["outcome"] == "failure"
    assert entry["details"]["reason"] == "account_conflict:local"
    assert entry["details"]["provider"] == "testdir"
    # The local admin is untouched and still signs in with its own password.
    local = await sign_in(client, "admin", TEST_ADMIN_PASSWORD)
    assert local.status_code == 200
    assert (await local.get_json())["user"]["source"] == "local"
    assert (await local.get_json())["user"]["allowed_groups"] == []


async def test_local_accounts_are_never_passed_to_providers(client, make_client, admin_client):
    await make_client("alice")
    for username, password in [
        ("alice", "wrong-password-123"),
        ("ALICE", "wrong-password-123"),
        ("alice", DEFAULT_PASSWORD),
        ("admin", DIRECTORY_PASSWORD),
        ("admin", TEST_ADMIN_PASSWORD),
    ]:
        await sign_in(client, username, password)
    assert (await sign_in(client, "dirk", DIRECTORY_PASSWORD)).status_code == 200
    calls = await (await admin_client.get("/api/testplugin/directory/calls")).get_json()
    assert calls["calls"] == ["dirk"]  # nor root-admin, the admin_client's own login


async def test_provider_down_is_503_and_local_sign_in_still_works(client, admin_client):
    await directory(admin_client, down=True)
    response = await sign_in(client, "dirk", DIRECTORY_PASSWORD)
    assert response.status_code == 503
    error = (await response.get_json())["error"]
    assert error["code"] == "provider_unavailable"
    assert "testdir" in error["message"] and "the test directory is down" in error["message"]
    local = await sign_in(client, "admin", TEST_ADMIN_PASSWORD)
    assert local.status_code == 200
    [entry] = await audit(admin_client, "auth.login_failed")
    assert entry["details"]["reason"] == "provider_unavailable"
    assert entry["details"]["provider"] == "testdir"
    # Back up: dirk signs in again.
    await directory(admin_client, down=False)
    assert (await sign_in(client, "dirk", DIRECTORY_PASSWORD)).status_code == 200


@pytest.mark.parametrize("sshgate_settings_overrides", [{"login_max_failures": 3}], indirect=True)
async def test_provider_logins_are_throttled_like_local_ones(client, admin_client):
    for _ in range(3):
        assert (await sign_in(client, "dirk", "guessing-password-1")).status_code == 401
    locked = await sign_in(client, "dirk", DIRECTORY_PASSWORD)
    assert locked.status_code == 429
    assert (await locked.get_json())["error"]["code"] == "too_many_attempts"
    # A locked name is not even passed to the provider.
    calls = await (await admin_client.get("/api/testplugin/directory/calls")).get_json()
    assert calls["calls"] == ["dirk"] * 3


async def test_a_disabled_provider_account_cannot_sign_in(client, admin_client):
    first = await sign_in(client, "dirk", DIRECTORY_PASSWORD)
    user_id = (await first.get_json())["user"]["id"]
    disabled = await admin_client.patch(f"/api/admin/users/{user_id}", json={"disabled": True})
    assert disabled.status_code == 200, await disabled.get_json()
    refused = await sign_in(client, "dirk", DIRECTORY_PASSWORD)
    assert refused.status_code == 401
    assert await error_of(refused) == GENERIC
    [entry] = await audit(admin_client, "auth.login_failed")
    assert entry["details"]["reason"] == "disabled"
    assert entry["details"]["provider"] == "testdir"


async def test_provider_accounts_have_no_local_password(client):
    body = await (await sign_in(client, "dirk", DIRECTORY_PASSWORD)).get_json()
    response = await client.post(
        "/api/auth/password",
        json={"current_password": DIRECTORY_PASSWORD, "new_password": "a-new-local-one-42"},
        headers={"Authorization": f"Bearer {body['token']}"},
    )
    assert response.status_code == 400
    assert (await response.get_json())["error"]["code"] == "external_account"


async def test_sign_in_from_a_redirect_style_provider(client, admin_client):
    start = await client.get("/api/testplugin/sso/start")
    assert start.status_code == 302
    assert start.headers["Location"] == "callback?user=sso-sam"
    done = await client.get("/api/testplugin/sso/callback?user=sso-sam&groups=dev")
    assert done.status_code == 303
    assert done.headers["Location"] == "../../../"
    cookies = done.headers.getlist("Set-Cookie")
    assert cookies and all("SameSite=Strict" in c for c in cookies)
    # The cookies ride on the redirect: the browser is signed in.
    response = await client.get("/api/auth/me")
    assert response.status_code == 200, await response.get_json()
    body = await response.get_json()
    assert body["via"] == "cookie"
    assert body["user"]["username"] == "sso-sam" and body["user"]["source"] == "testsso"
    assert body["user"]["allowed_groups"] == ["dev"]
    [entry] = [e for e in await audit(admin_client, "auth.login") if e["actor"] == "sso-sam"]
    assert entry["details"]["provider"] == "testsso"


async def test_sign_in_refuses_another_sources_account(app, client, admin_client):
    taken = await client.get("/api/testplugin/sso/callback?user=admin")
    assert taken.status_code == 409
    assert (await taken.get_json())["error"]["code"] == "account_conflict"
    assert "set-cookie" not in taken.headers
    [entry] = await audit(admin_client, "auth.login_failed")
    assert entry["actor"] == "admin"
    assert entry["details"] == {**entry["details"], "provider": "testsso"}
    assert entry["details"]["reason"] == "account_conflict"
    # Nor an account of another provider.
    assert (await sign_in(client, "dirk", DIRECTORY_PASSWORD)).status_code == 200
    other = await app.test_client().get("/api/testplugin/sso/callback?user=dirk")
    assert other.status_code == 409


async def test_sign_in_honours_a_disabled_account(client, admin_client):
    first = await client.get("/api/testplugin/sso/callback?user=sso-ann")
    assert first.status_code == 303
    [ann] = [
        u
        for u in (await (await admin_client.get("/api/admin/users")).get_json())["users"]
        if u["username"] == "sso-ann"
    ]
    await admin_client.patch(f"/api/admin/users/{ann['id']}", json={"disabled": True})
    refused = await client.get("/api/testplugin/sso/callback?user=sso-ann")
    assert refused.status_code == 403
    assert (await refused.get_json())["error"]["code"] == "account_disabled"
    [entry] = await audit(admin_client, "auth.login_failed")
    assert entry["details"]["reason"] == "account_disabled"
    assert entry["details"]["provider"] == "testsso"


def _crashing_provider(username):
    if username == "crash-me":
        raise RuntimeError("provider bug")


def _confused_provider(username):
    return {"provider": "confused", "username": username} if username == "confused" else None


crashing = types.ModuleType("sshgate_crashing_provider")
crashing.authenticate = hookimpl(_crashing_provider)
confused = types.ModuleType("sshgate_confused_provider")
confused.authenticate = hookimpl(_confused_provider)


@pytest.mark.parametrize("sshgate_plugins", [[crashing, confused]], indirect=True)
async def test_a_provider_that_crashes_or_answers_nonsense(client, caplog):
    crashed = await sign_in(client, "crash-me", "any-password-123")
    assert crashed.status_code == 503
    error = (await crashed.get_json())["error"]
    assert (
        error["code"] == "provider_unavailable" and "sshgate_crashing_provider" in error["message"]
    )
    assert "plugin sshgate_crashing_provider failed in authenticate" in caplog.text
    # Another provider still vouches for its own users meanwhile.
    assert (await sign_in(client, "dirk", DIRECTORY_PASSWORD)).status_code == 200
    nonsense = await sign_in(client, "confused", "any-password-123")
    assert nonsense.status_code == 401
    assert "plugin sshgate_confused_provider failed in authenticate: returned {" in caplog.text
