"""The notes API, on SQLite and on PostgreSQL (every test that uses ``app`` runs on both)."""

from __future__ import annotations


async def test_notes_are_created_and_listed(admin_client):
    created = await admin_client.post("/api/notes", json={"text": "rotate the backup key"})
    assert created.status_code == 201, await created.get_json()
    note = await created.get_json()
    assert note["text"] == "rotate the backup key" and note["server_id"] is None

    listed = await admin_client.get("/api/notes")
    assert listed.status_code == 200
    assert [n["text"] for n in (await listed.get_json())["notes"]] == ["rotate the backup key"]


async def test_notes_are_personal(admin_client, user_client):
    await admin_client.post("/api/notes", json={"text": "admin only"})
    response = await user_client.get("/api/notes")
    assert response.status_code == 200
    assert (await response.get_json())["notes"] == []


async def test_signed_out_callers_get_401(client):
    response = await client.get("/api/notes")
    assert response.status_code == 401
    assert (await response.get_json())["error"]["code"] == "unauthorized"


async def test_invalid_notes_are_refused_with_the_error_shape(admin_client):
    response = await admin_client.post("/api/notes", json={"text": ""})
    assert response.status_code == 400
    error = (await response.get_json())["error"]
    assert error["code"] == "validation_error" and error["details"]["errors"][0]["field"] == "text"


async def test_a_note_on_a_server_needs_its_group(admin_client, user_client):
    created = await admin_client.post(
        "/api/servers",
        json={"name": "db-1", "host": "10.0.0.5", "username": "ops", "group": "prod"},
    )
    server_id = (await created.get_json())["id"]
    # alice may see group "dev" only: the server does not exist for her.
    refused = await user_client.post("/api/notes", json={"text": "x", "server_id": server_id})
    assert refused.status_code == 404
    allowed = await admin_client.post("/api/notes", json={"text": "x", "server_id": server_id})
    assert allowed.status_code == 201
    assert (await allowed.get_json())["server_id"] == server_id


async def test_recent_events_are_remembered_for_admins(admin_client, user_client):
    await admin_client.post("/api/notes", json={"text": "hello"})
    response = await admin_client.get("/api/notes/events")
    assert response.status_code == 200
    names = (await response.get_json())["events"]
    assert names[-1] == "notes.created" and "auth.login" in names

    refused = await user_client.get("/api/notes/events")
    assert refused.status_code == 403
    assert (await refused.get_json())["error"]["code"] == "forbidden"
