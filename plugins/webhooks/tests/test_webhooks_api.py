"""The admin API: CRUD, validation, the secret shown once and encrypted, the catalogue."""

from __future__ import annotations

from sqlalchemy import text
from webhooks_receiver import create_webhook, deliveries

from sshgate.api import db_session


async def test_a_webhook_is_created_listed_changed_and_deleted(app, admin_client, receiver):
    created = await create_webhook(
        admin_client,
        receiver.url,
        events=["auth.*", "registry.server_changed"],
        description="SIEM",
        headers={"X-Env": "prod-token-1"},
    )
    secret = created["secret"]
    webhook = created["webhook"]
    assert secret.startswith("whsec_") and len(secret) > 40
    assert webhook["events"] == ["auth.*", "registry.server_changed"]
    assert webhook["header_names"] == ["X-Env"] and "prod-token-1" not in str(webhook)

    listed = await (await admin_client.get("/api/webhooks")).get_json()
    assert [w["id"] for w in listed["webhooks"]] == [webhook["id"]]
    assert secret not in str(listed)  # shown once, at creation

    async with db_session(app) as session:
        stored = (
            await session.execute(text("SELECT secret, headers FROM webhooks_endpoints"))
        ).one()
    assert secret not in stored[0] and "prod-token-1" not in stored[1]  # encrypted at rest

    changed = await admin_client.patch(
        f"/api/webhooks/{webhook['id']}", json={"enabled": False, "description": "off"}
    )
    assert changed.status_code == 200
    body = (await changed.get_json())["webhook"]
    assert body["enabled"] is False and body["description"] == "off"

    rotated = await (await admin_client.post(f"/api/webhooks/{webhook['id']}/secret")).get_json()
    assert rotated["secret"] != secret

    assert (await admin_client.delete(f"/api/webhooks/{webhook['id']}")).status_code == 204
    assert (await admin_client.get(f"/api/webhooks/{webhook['id']}")).status_code == 404

    audit = await (await admin_client.get("/api/audit", query_string={"q": "webhooks"})).get_json()
    actions = {e["action"] for e in audit["entries"]}
    assert {"webhooks.created", "webhooks.updated", "webhooks.secret_rotated"} <= actions
    assert "webhooks.deleted" in actions


async def test_bad_input_is_a_400_that_names_the_field(admin_client):
    cases = [
        ({"url": "ftp://example.com/", "events": ["*"]}, "url"),
        ({"url": "http://user:pw@example.com/", "events": ["*"]}, "url"),
        ({"url": "https://example.com/", "events": []}, "events"),
        ({"url": "https://example.com/", "events": ["Auth Login"]}, "events"),
        (
            {"url": "https://example.com/", "events": ["*"], "headers": {"X-Sshgate-Event": "x"}},
            "headers",
        ),
        ({"url": "https://example.com/", "events": ["*"], "headers": {"X-A": "a\r\nb"}}, "headers"),
        ({"url": "https://example.com/", "events": ["*"], "colour": "red"}, "colour"),
    ]
    for body, field in cases:
        answer = await admin_client.post("/api/webhooks", json=body)
        assert answer.status_code == 400, (body, await answer.get_json())
        error = (await answer.get_json())["error"]
        assert error["code"] == "validation_error"
        assert field in str(error["details"]), (body, error)
    assert (await admin_client.patch("/api/webhooks/99", json={"enabled": True})).status_code == 404
    assert (await admin_client.get(f"/api/webhooks/{2**40}")).status_code == 404
    assert (await admin_client.get("/api/webhooks/1/deliveries/nothex")).status_code == 404


async def test_only_administrators_manage_webhooks(user_client, client):
    assert (await client.get("/api/webhooks")).status_code == 401
    assert (await user_client.get("/api/webhooks")).status_code == 403
    body = {"url": "https://example.com/", "events": ["*"]}
    assert (await user_client.post("/api/webhooks", json=body)).status_code == 403
    assert (await user_client.get("/api/webhooks/events")).status_code == 403


async def test_the_catalogue_lists_every_audited_event(admin_client):
    answer = await (await admin_client.get("/api/webhooks/events")).get_json()
    names = [e["name"] for e in answer["events"]]
    assert names == sorted(names)
    assert {"webhooks.created", "webhooks.queue_full"} <= set(names)
    assert any(name.startswith("auth.") for name in names)
    assert "app.startup" not in names  # not audited: never delivered
    assert "webhooks.dead_lettered" not in names  # about deliveries: never delivered
    described = {e["name"]: e["description"] for e in answer["events"]}
    assert described["webhooks.created"] == "A webhook was added."


async def test_the_delivery_log_pages_newest_first_and_filters(admin_client, receiver):
    created = await create_webhook(admin_client, receiver.url, events=["auth.logout"])
    webhook_id = created["webhook"]["id"]
    receiver.script.extend([200, 500, 200, 500, 200])
    for _ in range(5):
        assert (await admin_client.post(f"/api/webhooks/{webhook_id}/test")).status_code == 200
    sent = [r.headers["X-Sshgate-Delivery"] for r in receiver.received]

    seen: list[str] = []
    query = {"limit": "2"}
    while True:
        page = await (
            await admin_client.get(f"/api/webhooks/{webhook_id}/deliveries", query_string=query)
        ).get_json()
        seen += [d["id"] for d in page["deliveries"]]
        if page["next_before"] is None:
            break
        query = {"limit": "2", "before": page["next_before"]}
    assert seen == sent[::-1]  # newest first, each once

    dead = await deliveries(admin_client, webhook_id, status="dead")
    assert [d["id"] for d in dead] == [sent[3], sent[1]]
    for bad in ({"status": "lost"}, {"limit": "0"}, {"limit": "x"}, {"before": "nope"}):
        answer = await admin_client.get(f"/api/webhooks/{webhook_id}/deliveries", query_string=bad)
        assert answer.status_code == 400, bad
        assert (await answer.get_json())["error"]["code"] == "validation_error"
    other = await admin_client.get(f"/api/webhooks/{webhook_id + 1}/deliveries")
    assert other.status_code == 404
