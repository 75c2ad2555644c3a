"""TOTP: enrol, confirm, two-step login, replay refused, disable, admin reset."""

from __future__ import annotations

import base64
import time

import pyotp
import pytest

from sshgate.testing.users import DEFAULT_PASSWORD


async def enrol(client) -> pyotp.TOTP:
    started = await client.post("/api/auth/2fa/enroll")
    assert started.status_code == 200
    body = await started.get_json()
    assert body["qr_png"].startswith("data:image/png;base64,")
    assert base64.b64decode(body["qr_png"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert body["otpauth_uri"].startswith("otpauth://totp/sshgate:")
    totp = pyotp.TOTP(body["secret"])
    confirmed = await client.post("/api/auth/2fa/confirm", json={"code": totp.now()})
    assert confirmed.status_code == 200, await confirmed.get_json()
    return totp


async def password_step(app, username: str) -> str:
    response = await app.test_client().post(
        "/api/auth/login", json={"username": username, "password": DEFAULT_PASSWORD}
    )
    body = await response.get_json()
    assert body["two_factor_required"] is True and "token" not in body
    return body["pre_auth_token"]


async def second_step(app, pre: str, code: str):
    return await app.test_client().post(
        "/api/auth/login/2fa", json={"pre_auth_token": pre, "code": code, "client": "api"}
    )


def next_code(totp: pyotp.TOTP) -> str:
    """A code of the next time step: valid (drift window) and newer than any used so far."""
    return totp.at(time.time() + totp.interval)


async def test_two_step_login_and_replay_refused(app, make_client):
    alice = await make_client("alice")
    totp = await enrol(alice)
    pre = await password_step(app, "alice")
    code = next_code(totp)
    ok = await second_step(app, pre, code)
    assert ok.status_code == 200
    assert "token" in await ok.get_json()
    pre_again = await password_step(app, "alice")
    replay = await second_step(app, pre_again, code)
    assert replay.status_code == 401
    assert (await replay.get_json())["error"]["code"] == "invalid_credentials"


async def test_confirming_code_cannot_be_reused_to_log_in(app, make_client):
    bob = await make_client("bob")
    started = await (await bob.post("/api/auth/2fa/enroll")).get_json()
    totp = pyotp.TOTP(started["secret"])
    code = totp.now()
    await bob.post("/api/auth/2fa/confirm", json={"code": code})
    assert (await second_step(app, await password_step(app, "bob"), code)).status_code == 401


async def test_wrong_code_and_forged_pre_auth_token(app, make_client):
    carol = await make_client("carol")
    await enrol(carol)
    pre = await password_step(app, "carol")
    assert (await second_step(app, pre, "000000")).status_code == 401
    forged = await second_step(app, pre[:-4] + "abcd", "123456")
    assert forged.status_code == 401
    assert (await forged.get_json())["error"]["code"] == "invalid_token"
    session_token = carol.token
    assert (await second_step(app, session_token, "123456")).status_code == 401


async def test_disable_needs_a_valid_code(app, make_client):
    dave = await make_client("dave")
    totp = await enrol(dave)
    wrong = await dave.post("/api/auth/2fa/disable", json={"code": "111111"})
    assert wrong.status_code == 400
    ok = await dave.post("/api/auth/2fa/disable", json={"code": next_code(totp)})
    assert ok.status_code == 200
    login = await app.test_client().post(
        "/api/auth/login", json={"username": "dave", "password": DEFAULT_PASSWORD}
    )
    assert "two_factor_required" not in await login.get_json()


async def test_admin_resets_two_factor(app, make_client, admin_client):
    erin = await make_client("erin")
    await enrol(erin)
    reset = await admin_client.post(f"/api/admin/users/{erin.user_id}/2fa/reset")
    assert reset.status_code == 200
    login = await app.test_client().post(
        "/api/auth/login", json={"username": "erin", "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 200 and "two_factor_required" not in await login.get_json()


async def test_totp_secret_is_encrypted_at_rest(app, make_client):
    from sqlalchemy import select

    from sshgate.auth.models import User

    frank = await make_client("frank")
    secret = (await (await frank.post("/api/auth/2fa/enroll")).get_json())["secret"]
    async with app.extensions["sshgate"].db.session() as session:
        stored = await session.scalar(select(User.totp_secret).where(User.username == "frank"))
    assert stored and secret not in stored


@pytest.mark.parametrize("code", ["12345", "abcdef", "1234567"])
async def test_malformed_codes_are_clear_errors(user_client, code):
    await user_client.post("/api/auth/2fa/enroll")
    response = await user_client.post("/api/auth/2fa/confirm", json={"code": code})
    assert response.status_code == 400
    assert (await response.get_json())["error"]["code"] in ("validation_error", "invalid_code")
