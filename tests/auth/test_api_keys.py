"""API keys: shown once, stored hashed, scoped, expiring, revocable, blocked with the owner."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from sshgate.auth.models import ApiKey
from sshgate.db.types import utcnow


async def create_key(client, **body):
    response = await client.post("/api/auth/api-keys", json={"name": "ci", **body})
    assert response.status_code == 201, await response.get_json()
    return await response.get_json()


async def test_key_is_shown_once_and_stored_hashed(app, user_client):
    created = await create_key(user_client)
    assert created["key"].startswith("sg_") and len(created["key"]) > 40
    listed = await (await user_client.get("/api/auth/api-keys")).get_json()
    assert "key" not in listed["api_keys"][0]
    assert listed["api_keys"][0]["prefix"] == created["key"][:10]
    async with app.extensions["sshgate"].db.session() as session:
        stored = (await session.scalars(select(ApiKey))).one()
    assert created["key"] not in (stored.key_hash, stored.prefix)


async def test_key_authenticates_and_records_last_use(app, user_client):
    key = (await create_key(user_client))["key"]
    client = app.test_client()
    me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {key}"})
    assert me.status_code == 200
    assert (await me.get_json())["via"] == "api_key"
    listed = await (await user_client.get("/api/auth/api-keys")).get_json()
    assert listed["api_keys"][0]["last_used_at"] is not None


async def test_read_only_key_cannot_change_anything(app, user_client):
    key = (await create_key(user_client, read_only=True))["key"]
    headers = {"Authorization": f"Bearer {key}"}
    client = app.test_client()
    assert (await client.get("/api/auth/api-keys", headers=headers)).status_code == 200
    for method, path in [("post", "/api/auth/2fa/enroll"), ("delete", "/api/auth/api-keys/1")]:
        response = await getattr(client, method)(path, headers=headers)
        assert response.status_code == 403, path
        assert (await response.get_json())["error"]["code"] == "read_only"


async def test_expired_and_revoked_keys_are_refused(app, user_client):
    expiring = await create_key(user_client, expires_in_days=1)
    revoked = await create_key(user_client, name="old")
    async with app.extensions["sshgate"].db.session() as session:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.id == expiring["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert (await user_client.delete(f"/api/auth/api-keys/{revoked['id']}")).status_code == 200
    client = app.test_client()
    for key in (expiring["key"], revoked["key"], "sg_" + "x" * 43):
        response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 401


async def test_key_is_blocked_while_owner_must_change_password_or_is_disabled(
    app, user_client, admin_client
):
    key = (await create_key(user_client))["key"]
    headers = {"Authorization": f"Bearer {key}"}
    client = app.test_client()
    await admin_client.post(f"/api/admin/users/{user_client.user_id}/password", json={})
    blocked = await client.get("/api/auth/api-keys", headers=headers)
    assert blocked.status_code == 403
    assert (await blocked.get_json())["error"]["code"] == "password_change_required"
    await admin_client.patch(f"/api/admin/users/{user_client.user_id}", json={"disabled": True})
    assert (await client.get("/api/auth/me", headers=headers)).status_code == 401


async def test_key_cannot_mint_keys_and_others_keys_are_invisible(app, user_client, make_client):
    key = (await create_key(user_client))["key"]
    minted = await app.test_client().post(
        "/api/auth/api-keys", json={"name": "x"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert minted.status_code == 403
    bob = await make_client("bob")
    theirs = await create_key(bob)
    assert (await user_client.delete(f"/api/auth/api-keys/{theirs['id']}")).status_code == 404


async def test_invalid_key_requests(user_client):
    for body in (
        {"name": ""},
        {"name": "x", "expires_in_days": 0},
        {"name": "x", "read_only": "no"},
    ):
        response = await user_client.post("/api/auth/api-keys", json=body)
        assert response.status_code == 400, body


async def test_key_name_with_a_nul_character_is_refused(user_client):
    response = await user_client.post("/api/auth/api-keys", json={"name": "c\x00i"})
    assert response.status_code == 400
    error = (await response.get_json())["error"]
    assert error["details"]["errors"][0]["field"] == "name"
    assert "NUL" in error["message"]
