"""Small HTTP helpers shared by the LDAP tests (through the public API only)."""

from __future__ import annotations

from typing import Any

GENERIC = ("invalid_credentials", "invalid username or password")


async def sign_in(client: Any, username: str, password: str) -> Any:
    return await client.post(
        "/api/auth/login", json={"username": username, "password": password, "client": "api"}
    )


async def token_of(client: Any, username: str, password: str) -> str:
    response = await sign_in(client, username, password)
    assert response.status_code == 200, await response.get_json()
    return str((await response.get_json())["token"])


async def me(client: Any, token: str) -> dict[str, Any]:
    response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, await response.get_json()
    return dict((await response.get_json())["user"])


async def error_of(response: Any) -> tuple[str, str]:
    error = (await response.get_json())["error"]
    return error["code"], error["message"]


async def audit(admin_client: Any, action: str) -> list[dict[str, Any]]:
    response = await admin_client.get("/api/audit", query_string={"action": action})
    assert response.status_code == 200, await response.get_json()
    return list((await response.get_json())["entries"])


async def refusals(admin_client: Any) -> dict[str, str]:
    """actor -> reason of every ``ldap.sign_in_refused`` entry (the latest per actor)."""
    entries = await audit(admin_client, "ldap.sign_in_refused")
    return {e["actor"]: e["details"]["reason"] for e in reversed(entries)}
