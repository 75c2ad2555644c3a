"""One JSON error shape for every 4xx and 5xx: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any

from pydantic import ValidationError
from quart import Quart, Request, Response, Websocket, g, has_websocket_context, jsonify, request
from quart import websocket as current_websocket
from quart_schema import RequestSchemaValidationError
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import IntegerConverter

from ..db.engine import unavailable_reason
from ..errors import ApiError
from .schemas import DB_ID_MAX
from .ws import CLOSE_INTERNAL_ERROR, CLOSE_UNAVAILABLE

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    503: "dependency_unavailable",
}
RETRY_AFTER = 5  # seconds: a hint to clients while the database is away


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> Response:
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


def _validation_details(error: ValidationError | Any) -> list[dict[str, Any]]:
    if not isinstance(error, ValidationError):
        return [{"field": "", "message": str(error)}]
    return [
        {
            "field": ".".join(str(part) for part in item["loc"]),
            "message": item["msg"].removeprefix("Value error, "),
        }
        for item in error.errors()
    ]


class TrackedWebsocket(Websocket):
    """A WebSocket that knows whether it was accepted: before, an error is answered as an
    HTTP response to the handshake; after, only a close frame can tell the client."""

    accepted = False

    async def accept(self, *args: Any, **kwargs: Any) -> None:
        await super().accept(*args, **kwargs)
        self.accepted = True


async def _close_accepted_websocket(code: int, error: str, message: str) -> None:
    """Send an error frame and close, if the current WebSocket is open (once accepted, an
    HTTP response can no longer reach the client)."""
    if not (has_websocket_context() and getattr(current_websocket, "accepted", False)):
        return
    frame = json.dumps({"type": "error", "code": error, "message": message})
    with contextlib.suppress(Exception):  # the client may be gone, or it was closed already
        await current_websocket.send(frame)
    with contextlib.suppress(Exception):
        await current_websocket.close(code, message[:120])


def _where() -> str:
    if has_websocket_context():
        return f"WebSocket {current_websocket.path}"
    return f"{request.method} {request.path}"


class JsonRequest(Request):
    async def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        try:
            return await super().get_json(force, silent, cache)
        except UnicodeDecodeError as error:  # Quart decodes before it parses, outside its try
            if silent:
                return None
            raise ApiError(
                400,
                "invalid_json",
                f"request body is not valid JSON: not UTF-8 ({error.reason} at byte {error.start})",
            ) from None
        except RecursionError:  # the parser's own limit; no API nests anywhere near as deep
            if silent:
                return None
            raise ApiError(
                400, "invalid_json", "request body is not valid JSON: nested too deeply"
            ) from None

    def on_json_loading_failed(self, error: Exception) -> Any:
        if error is None:  # a body that is not declared as JSON
            raise ApiError(415, "unsupported_media_type", "send the body as application/json")
        raise ApiError(400, "invalid_json", f"request body is not valid JSON: {error}")


class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` (every one is an id) up to what an id column holds: a larger number in a
    path is no such resource (404), not an overflow in the driver (500). A route that needs
    larger numbers says so: ``<int(max=...):n>``."""

    def to_python(self, value: str) -> Any:
        # NotFound rather than a failed match: Werkzeug would answer 405 when a sibling rule
        # with another method matched the path. The length test also spares int() numbers
        # of thousands of digits, which it refuses with a ValueError.
        if self.max is None and (len(value) > 19 or int(value) > DB_ID_MAX):
            raise NotFound()
        return super().to_python(value)


def install(app: Quart) -> None:
    app.request_class = JsonRequest
    app.websocket_class = TrackedWebsocket
    # Before any blueprint: a rule takes its converters when it is added.
    app.url_map.converters["int"] = DatabaseIntConverter

    @app.errorhandler(ApiError)
    async def _api_error(error: ApiError) -> Response:
        return error_response(error.status, error.code, error.message, error.details)

    @app.errorhandler(RequestSchemaValidationError)
    async def _schema_error(error: RequestSchemaValidationError) -> Response:
        problems = _validation_details(error.validation_error)
        summary = "; ".join(
            f"{p['field']}: {p['message']}" if p["field"] else p["message"] for p in problems
        )
        return error_response(
            400, "validation_error", f"invalid request: {summary}", {"errors": problems}
        )

    @app.errorhandler(HTTPException)
    async def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        message = error.description or error.name
        details: dict[str, Any] = {}
        # A WebSocket handshake has no `request`: a route-less one is answered 404 all the same.
        path = current_websocket.path if has_websocket_context() else request.path
        if status == 404:
            message = f"no such resource: {path}"
        elif status == 405:
            allowed = sorted(getattr(error, "valid_methods", None) or [])
            message = f"method {request.method} is not allowed on {path}"
            details["allowed"] = allowed
        elif status == 413:
            limit = request.max_content_length or app.config.get("MAX_CONTENT_LENGTH")
            message = f"request body too large (limit {limit} bytes)" if limit else message
        response = error_response(status, _CODES.get(status, f"http_{status}"), message, details)
        if details.get("allowed"):
            response.headers["Allow"] = ", ".join(details["allowed"])
        return response

    @app.errorhandler(Exception)
    async def _unexpected(error: Exception) -> Response:
        reason = unavailable_reason(error)
        if reason is not None:
            return await _dependency_unavailable(reason)
        rid = g.get("request_id", None)
        log.exception("unhandled error")
        message = "an unexpected error occurred; it was logged" + (
            f" with request id {rid}" if rid else ""
        )
        # An open WebSocket is told by a close frame; the response then goes nowhere.
        await _close_accepted_websocket(CLOSE_INTERNAL_ERROR, "internal_error", message)
        return error_response(500, "internal_error", message)

    async def _dependency_unavailable(reason: str) -> Response:
        # Expected while the database is away: one line, no traceback, and the client is
        # told to come back rather than that something broke.
        log.warning("database unavailable during %s: %s", _where(), reason)
        message = "the database is unavailable; try again shortly"
        await _close_accepted_websocket(CLOSE_UNAVAILABLE, "dependency_unavailable", message)
        response = error_response(
            503,
            "dependency_unavailable",
            message,
            {"dependency": "database", "retry_after": RETRY_AFTER},
        )
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
