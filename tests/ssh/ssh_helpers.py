"""Helpers for the connector tests: the HTTP calls they repeat."""

from __future__ import annotations

from typing import Any


async def audit(admin: Any, action: str) -> list[dict[str, Any]]:
    """Audit entries of one action, newest first."""
    response = await admin.get("/api/audit", query_string={"action": action})
    body = await response.get_json()
    assert response.status_code == 200, body
    return body["entries"]


async def connection_test(client: Any, server_id: int) -> dict[str, Any]:
    """``POST /api/servers/{id}/test``; the body (a failed test is still a 200)."""
    response = await client.post(f"/api/servers/{server_id}/test")
    body = await response.get_json()
    assert response.status_code == 200, body
    return body


async def host_key(client: Any, server_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/servers/{server_id}/host-key")
    body = await response.get_json()
    assert response.status_code == 200, body
    return body
