"""User management by administrators, and what plain users may not do."""

from __future__ import annotations

from sshgate.testing.users import login


async def test_create_user_with_generated_password_that_must_be_changed(app, admin_client):
    response = await admin_client.post(
        "/api/admin/users",
        json={"username": "newhire", "role": "user", "allowed_groups": ["dev", " ops ", "dev"]},
    )
    assert response.status_code == 201
    body = await response.get_json()
    assert body["allowed_groups"] == ["dev", "ops"]
    assert body["must_change_password"] is True
    newhire = await login(app, "newhire", body["generated_password"])
    blocked = await newhire.get("/api/auth/api-keys")
    assert (await blocked.get_json())["error"]["code"] == "password_change_required"


async def test_list_get_and_edit(admin_client):
    created = await (
        await admin_client.post("/api/admin/users", json={"username": "ops1"})
    ).get_json()
    listed = await (await admin_client.get("/api/admin/users")).get_json()
    assert "ops1" in {u["username"] for u in listed["users"]}
    assert all("password_hash" not in u and "totp_secret" not in u for u in listed["users"])
    patched = await admin_client.patch(
        f"/api/admin/users/{created['id']}",
        json={"role": "admin", "allowed_groups": ["prod"], "permissions": ["quick_connect"]},
    )
    body = await patched.get_json()
    assert (body["role"], body["allowed_groups"], body["permissions"]) == (
        "admin",
        ["prod"],
        ["quick_connect"],
    )
    assert (await admin_client.get(f"/api/admin/users/{created['id']}")).status_code == 200
    assert (await admin_client.get("/api/admin/users/999999")).status_code == 404


async def test_invalid_user_input_is_named(admin_client):
    cases = [
        ({"username": "bad name!"}, "username"),
        ({"username": "ok", "role": "root"}, "role"),
        ({"username": "ok", "allowed_groups": [""]}, "allowed_groups"),
        ({"username": "ok", "password": "short"}, "password"),
        ({"username": "ok", "surprise": 1}, "surprise"),
    ]
    for body, field in cases:
        response = await admin_client.post("/api/admin/users", json=body)
        assert response.status_code == 400, body
        assert field in (await response.get_json())["error"]["message"], body


async def test_duplicate_username_is_a_conflict(admin_client):
    await admin_client.post("/api/admin/users", json={"username": "Twin"})
    again = await admin_client.post("/api/admin/users", json={"username": "twin"})
    assert again.status_code == 409


async def test_reset_password_signs_out_and_forces_a_change(app, admin_client, make_client):
    bob = await make_client("bob")
    reset = await admin_client.post(
        f"/api/admin/users/{bob.user_id}/password", json={"password": "temporary-pass-99"}
    )
    body = await reset.get_json()
    assert body["sessions_ended"] == 1 and body["generated_password"] is None
    assert (await bob.get("/api/auth/me")).status_code == 401
    again = await login(app, "bob", "temporary-pass-99")
    assert (await (await again.get("/api/auth/me")).get_json())["user"]["must_change_password"]


async def test_the_last_admin_cannot_be_removed_or_demoted(app, admin_client):
    from sqlalchemy import delete

    from sshgate.auth.models import User

    async with app.extensions["sshgate"].db.session() as session:
        await session.execute(delete(User).where(User.username == "admin"))
    me = admin_client.user_id
    assert (await admin_client.delete(f"/api/admin/users/{me}")).status_code == 409
    demote = await admin_client.patch(f"/api/admin/users/{me}", json={"role": "user"})
    assert demote.status_code == 409
    assert (await demote.get_json())["error"]["code"] == "last_admin"


async def test_delete_user(app, admin_client, make_client):
    carol = await make_client("carol")
    assert (await admin_client.delete(f"/api/admin/users/{carol.user_id}")).status_code == 200
    assert (await carol.get("/api/auth/me")).status_code == 401
    assert (await admin_client.get(f"/api/admin/users/{carol.user_id}")).status_code == 404


async def test_plain_users_cannot_manage_users(user_client):
    for method, path in [
        ("get", "/api/admin/users"),
        ("post", "/api/admin/users"),
        ("delete", "/api/admin/users/1"),
    ]:
        response = await getattr(user_client, method)(path, json={})
        assert response.status_code == 403, path


async def test_admin_lists_and_revokes_a_users_sessions(app, admin_client, make_client):
    dave = await make_client("dave")
    listed = await (await admin_client.get(f"/api/admin/users/{dave.user_id}/sessions")).get_json()
    handle = listed["sessions"][0]["id"]
    revoked = await admin_client.delete(f"/api/admin/users/{dave.user_id}/sessions/{handle}")
    assert (await revoked.get_json())["revoked"] == 1
    assert (await dave.get("/api/auth/me")).status_code == 401


async def test_groups_with_control_characters_are_refused(admin_client):
    created = await admin_client.post(
        "/api/admin/users", json={"username": "ops2", "allowed_groups": ["de\x00v"]}
    )
    assert created.status_code == 400
    assert "control characters" in (await created.get_json())["error"]["message"]
    ops = await (await admin_client.post("/api/admin/users", json={"username": "ops3"})).get_json()
    patched = await admin_client.patch(
        f"/api/admin/users/{ops['id']}", json={"allowed_groups": ["ok", "b\x07ad"]}
    )
    assert patched.status_code == 400
    assert "control characters" in (await patched.get_json())["error"]["message"]
