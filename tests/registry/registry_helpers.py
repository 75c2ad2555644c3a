"""Shared by the registry tests: a server body, and a fixture creating one through the API."""

from __future__ import annotations

import pytest

PASSWORD = "s3cret-server-password"


def server_body(name: str = "web-1", **fields):
    body = {
        "name": name,
        "host": "10.0.0.5",
        "port": 22,
        "username": "deploy",
        "password": PASSWORD,
        "group": "dev",
        "tags": ["nginx", "eu-west-1"],
        "description": "front web server",
    }
    body.update(fields)
    return body


@pytest.fixture
def create_server(admin_client):
    """``await create_server(name=..., **fields)`` through ``POST /api/servers``."""

    async def create(**fields):
        response = await admin_client.post("/api/servers", json=server_body(**fields))
        assert response.status_code == 201, await response.get_json()
        return await response.get_json()

    return create
