"""Every 4xx and 5xx answers one JSON shape, never HTML or a traceback."""

from __future__ import annotations

import json
import types

import pytest
from pydantic import BaseModel, Field
from quart import Blueprint, websocket
from quart.testing import WebsocketResponseError
from quart.testing.connections import WebsocketDisconnectError
from quart_schema import validate_request

from sshgate.api import ApiError, hookimpl, public


class Thing(BaseModel):
    name: str = Field(min_length=1, max_length=20)
    size: int = Field(ge=0)


bp = Blueprint("errors_test", __name__, url_prefix="/api/errors-test")


@bp.post("/things")
@public
@validate_request(Thing)
async def create_thing(data: Thing) -> dict[str, object]:
    return {"name": data.name, "size": data.size}


@bp.get("/boom")
@public
async def boom() -> dict[str, object]:
    raise RuntimeError("secret internal detail")


@bp.websocket("/ws-boom")
@public
async def ws_boom() -> None:
    await websocket.accept()
    await websocket.send(json.dumps({"type": "hello"}))
    raise RuntimeError("secret internal detail")


@bp.get("/conflict")
@public
async def conflict() -> dict[str, object]:
    raise ApiError(409, "conflict", "it changed", {"field": "mtime"})


plugin = types.SimpleNamespace(register_blueprints=hookimpl(lambda app: [bp]))


@pytest.fixture
def sshgate_plugins():
    return [plugin]


def assert_error_shape(body: dict, code: str) -> dict:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


async def test_not_found(client):
    response = await client.get("/api/does-not-exist")
    assert response.status_code == 404
    error = assert_error_shape(await response.get_json(), "not_found")
    assert "/api/does-not-exist" in error["message"]


async def test_method_not_allowed_lists_allowed_methods(client):
    response = await client.delete("/api/health")
    assert response.status_code == 405
    error = assert_error_shape(await response.get_json(), "method_not_allowed")
    assert "GET" in error["details"]["allowed"]
    assert "GET" in response.headers["Allow"]


async def test_validation_error_names_each_field(client):
    response = await client.post("/api/errors-test/things", json={"name": "", "size": -1})
    assert response.status_code == 400
    error = assert_error_shape(await response.get_json(), "validation_error")
    fields = {item["field"] for item in error["details"]["errors"]}
    assert fields == {"name", "size"}
    assert "name" in error["message"] and "size" in error["message"]


async def test_malformed_json_is_a_clear_400(client):
    response = await client.post(
        "/api/errors-test/things", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    error = assert_error_shape(await response.get_json(), "invalid_json")
    assert "not valid JSON" in error["message"]


async def test_oversized_body_is_413_before_it_is_read(client, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = await client.post(
        "/api/errors-test/things",
        data=b"x" * (limit + 1),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    error = assert_error_shape(await response.get_json(), "too_large")
    assert str(limit) in error["message"]


async def test_unexpected_error_is_a_json_500_without_details(client):
    response = await client.get("/api/errors-test/boom", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 500
    error = assert_error_shape(await response.get_json(), "internal_error")
    text = (await response.get_data()).decode()
    assert "secret internal detail" not in text and "Traceback" not in text
    assert "req-42" in error["message"]
    assert response.headers["X-Request-ID"] == "req-42"


async def test_api_error_keeps_code_and_details(client):
    response = await client.get("/api/errors-test/conflict")
    assert response.status_code == 409
    error = assert_error_shape(await response.get_json(), "conflict")
    assert error["details"] == {"field": "mtime"}


async def test_unsafe_request_id_is_replaced(client):
    response = await client.get("/api/health", headers={"X-Request-ID": "<script>" + "x" * 80})
    assert "<" not in response.headers["X-Request-ID"]
    assert len(response.headers["X-Request-ID"]) == 32


async def test_security_headers_on_every_response(client):
    for path in ("/api/health", "/", "/api/nope"):
        response = await client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        # WebAssembly may be compiled (the replay player); JavaScript eval never.
        script_src = next(d for d in csp.split("; ") if d.startswith("script-src"))
        assert script_src.split() == ["script-src", "'self'", "'wasm-unsafe-eval'"]
        assert "'unsafe-eval'" not in csp and "http" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"


async def test_body_that_is_not_utf8_is_a_clear_400(client):
    response = await client.post(
        "/api/errors-test/things",
        data=b'{"name": "\xba\xff", "size": 1}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    error = assert_error_shape(await response.get_json(), "invalid_json")
    assert "UTF-8" in error["message"]


async def test_json_nested_too_deeply_is_a_clear_400(client):
    response = await client.post(
        "/api/errors-test/things",
        data=b'{"a":' * 100_000,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    error = assert_error_shape(await response.get_json(), "invalid_json")
    assert "nested too deeply" in error["message"]


async def test_id_larger_than_any_database_id_is_not_found(admin_client):
    for server_id in (2**31, 2**63, 10**30, "9" * 5000):
        for method in ("get", "patch", "delete"):
            response = await admin_client.request(method, f"/api/servers/{server_id}", json={})
            assert response.status_code == 404, (method, server_id)
            assert_error_shape(await response.get_json(), "not_found")
    largest = await admin_client.get(f"/api/servers/{2**31 - 1}")  # a valid id, just unused
    assert largest.status_code == 404
    assert_error_shape(await largest.get_json(), "not_found")


async def test_websocket_to_an_unknown_path_is_refused_with_404(client):
    with pytest.raises(WebsocketResponseError) as refused:
        async with client.websocket("/api/ws/no-such-socket") as ws:
            await ws.receive()
    assert refused.value.response.status_code == 404
    error = assert_error_shape(await refused.value.response.get_json(), "not_found")
    assert "/api/ws/no-such-socket" in error["message"]


async def test_unexpected_error_on_an_open_websocket_closes_it_with_1011(client):
    async with client.websocket("/api/errors-test/ws-boom") as ws:
        assert json.loads(await ws.receive()) == {"type": "hello"}
        message = json.loads(await ws.receive())
        assert message["type"] == "error" and message["code"] == "internal_error"
        assert "secret internal detail" not in message["message"]
        with pytest.raises(WebsocketDisconnectError) as closed:
            await ws.receive()
    assert closed.value.args[0] == 1011
