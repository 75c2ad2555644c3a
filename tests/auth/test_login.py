"""Logging in and out: password checks, first admin, cookies and CSRF, throttling."""

from __future__ import annotations

import bcrypt
import pytest

from sshgate.testing.fixtures import TEST_ADMIN_PASSWORD
from sshgate.testing.users import DEFAULT_PASSWORD, create_user, login


async def test_first_run_creates_admin_who_must_change_password(client):
    response = await client.post(
        "/api/auth/login",
        json={"username": "admin", "password": TEST_ADMIN_PASSWORD, "client": "api"},
    )
    assert response.status_code == 200
    body = await response.get_json()
    assert body["user"]["role"] == "admin"
    assert body["user"]["must_change_password"] is True
    headers = {"Authorization": f"Bearer {body['token']}"}
    blocked = await client.get("/api/admin/users", headers=headers)
    assert blocked.status_code == 403
    assert (await blocked.get_json())["error"]["code"] == "password_change_required"
    me = await client.get("/api/auth/me", headers=headers)
    assert me.status_code == 200
    changed = await client.post(
        "/api/auth/password",
        json={"current_password": TEST_ADMIN_PASSWORD, "new_password": "a-much-better-one-42"},
        headers=headers,
    )
    assert changed.status_code == 200, await changed.get_json()
    assert (await client.get("/api/admin/users", headers=headers)).status_code == 200


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-1", "at least 10 characters"),
        ("alice", "at least 10 characters"),
        ("password123", "too common"),
        ("x" * 80, "at most 72 bytes"),
    ],
)
async def test_password_policy(app, password, message):
    await create_user(app, "alice")
    alice = await login(app, "alice")
    response = await alice.post(
        "/api/auth/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": password},
    )
    assert response.status_code == 400
    error = (await response.get_json())["error"]
    assert error["code"] == "weak_password" and message in error["message"]


async def test_password_equal_to_username_is_refused(app):
    await create_user(app, "longusername1")
    user = await login(app, "longusername1")
    response = await user.post(
        "/api/auth/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": "LongUserName1"},
    )
    assert (await response.get_json())["error"]["message"] == "password must not be the username"


async def test_wrong_current_password_is_refused(user_client):
    response = await user_client.post(
        "/api/auth/password",
        json={"current_password": "not-my-password", "new_password": "fresh-password-77"},
    )
    assert response.status_code == 403
    assert (await response.get_json())["error"]["code"] == "wrong_password"


async def test_unknown_user_and_wrong_password_look_the_same(app, client, monkeypatch):
    """Same answer, and the same work: one bcrypt check of the same cost on either path, so
    timing does not tell who exists. Counted, not timed: a wall-clock comparison fails on a
    busy machine, and the count is what makes the times equal."""
    await create_user(app, "alice")
    checks: list[int] = []
    real_checkpw = bcrypt.checkpw

    def counting_checkpw(password: bytes, hashed: bytes) -> bool:
        checks.append(bcrypt_cost(hashed))
        return real_checkpw(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counting_checkpw)

    async def attempt(username: str) -> tuple[int, str, list[int]]:
        checks.clear()
        response = await client.post(
            "/api/auth/login", json={"username": username, "password": "wrong-password-1"}
        )
        return response.status_code, str(await response.get_json()), list(checks)

    known = await attempt("alice")
    unknown = await attempt("nobody")
    assert known[0] == 401 and "invalid_credentials" in known[1]
    assert known == unknown  # status, body, and one bcrypt check at the same cost


def bcrypt_cost(hashed: bytes) -> int:
    """The cost factor of a bcrypt hash: ``$2b$<cost>$...``."""
    return int(hashed.split(b"$")[2])


@pytest.fixture
def sshgate_settings_overrides():
    return {"password_hash_rounds": 8, "login_max_failures": 3, "login_lockout_seconds": 600}


async def test_lockout_after_failures_and_admin_unlock(app, client, admin_client):
    user_id = await create_user(app, "bob")
    for _ in range(3):
        response = await client.post(
            "/api/auth/login", json={"username": "bob", "password": "nope"}
        )
        assert response.status_code == 401
    locked = await client.post(
        "/api/auth/login", json={"username": "bob", "password": DEFAULT_PASSWORD}
    )
    assert locked.status_code == 429
    error = (await locked.get_json())["error"]
    assert error["code"] == "too_many_attempts" and error["details"]["retry_after"] > 0
    # Unknown names lock the same way, so a lockout reveals nothing either.
    for _ in range(3):
        await client.post("/api/auth/login", json={"username": "ghost", "password": "nope"})
    ghost = await client.post("/api/auth/login", json={"username": "ghost", "password": "x"})
    assert ghost.status_code == 429
    unlocked = await admin_client.post(f"/api/admin/users/{user_id}/unlock")
    assert unlocked.status_code == 200
    again = await client.post(
        "/api/auth/login", json={"username": "bob", "password": DEFAULT_PASSWORD}
    )
    assert again.status_code == 200


async def test_browser_login_uses_strict_httponly_cookie_and_csrf(app):
    await create_user(app, "carol")
    browser = app.test_client()
    response = await browser.post(
        "/api/auth/login", json={"username": "carol", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    body = await response.get_json()
    assert "token" not in body  # browsers never see the session token
    cookies = response.headers.get_all("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("sshgate_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Strict" in session_cookie
    assert (await browser.get("/api/auth/me")).status_code == 200
    no_csrf = await browser.post("/api/auth/api-keys", json={"name": "k"})
    assert no_csrf.status_code == 403
    assert (await no_csrf.get_json())["error"]["code"] == "csrf_failed"
    wrong = await browser.post(
        "/api/auth/api-keys", json={"name": "k"}, headers={"X-CSRF-Token": "0" * 64}
    )
    assert wrong.status_code == 403
    ok = await browser.post(
        "/api/auth/api-keys", json={"name": "k"}, headers={"X-CSRF-Token": body["csrf_token"]}
    )
    assert ok.status_code == 201


async def test_logout_ends_the_session_at_once(user_client):
    assert (await user_client.get("/api/auth/me")).status_code == 200
    assert (await user_client.post("/api/auth/logout")).status_code == 200
    after = await user_client.get("/api/auth/me")
    assert after.status_code == 401


async def test_tokens_never_travel_in_urls(user_client):
    response = await user_client.client.get(f"/api/auth/me?token={user_client.token}")
    assert response.status_code == 401


async def test_malformed_authorization_header(client):
    response = await client.get("/api/auth/me", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401
    assert "Bearer" in (await response.get_json())["error"]["message"]


async def test_idle_session_expires(app, user_client):
    from datetime import timedelta

    from sqlalchemy import update

    from sshgate.auth.models import LoginSession
    from sshgate.db.types import utcnow

    idle = app.extensions["sshgate"].settings.session_idle_timeout
    async with app.extensions["sshgate"].db.session() as session:
        await session.execute(
            update(LoginSession).values(last_seen_at=utcnow() - timedelta(seconds=idle + 5))
        )
    response = await user_client.get("/api/auth/me")
    assert response.status_code == 401


async def test_own_sessions_list_and_revoke(app, make_client):
    first = await make_client("dave")
    second = await login(app, "dave")
    listed = await (await first.get("/api/auth/sessions")).get_json()
    assert len(listed["sessions"]) == 2
    other = next(s for s in listed["sessions"] if not s["current"])
    assert (await first.delete(f"/api/auth/sessions/{other['id']}")).status_code == 200
    assert (await second.get("/api/auth/me")).status_code == 401
    assert (await first.get("/api/auth/me")).status_code == 200


async def test_a_username_with_nul_is_a_400_that_names_the_field(client):
    """PostgreSQL text cannot hold NUL: the login form refuses it before any query."""
    response = await client.post(
        "/api/auth/login", json={"username": "a\u0000b", "password": "x", "client": "api"}
    )
    assert response.status_code == 400
    error = (await response.get_json())["error"]
    assert error["code"] == "validation_error" and "username" in error["message"]
