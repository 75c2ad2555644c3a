"""One JSON error shape for every 4xx and 5xx: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from quart import Quart, Request, Response, g, jsonify, request
from quart_schema import RequestSchemaValidationError
from werkzeug.exceptions import HTTPException

from ..errors import ApiError

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
}


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


class JsonRequest(Request):
    def on_json_loading_failed(self, error: Exception) -> Any:
        if error is None:  # a body that is not declared as JSON
            raise ApiError(415, "unsupported_media_type", "send the body as application/json")
        raise ApiError(400, "invalid_json", f"request body is not valid JSON: {error}")


def install(app: Quart) -> None:
    app.request_class = JsonRequest

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
        if status == 404:
            message = f"no such resource: {request.path}"
        elif status == 405:
            allowed = sorted(getattr(error, "valid_methods", None) or [])
            message = f"method {request.method} is not allowed on {request.path}"
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
        rid = g.get("request_id", None)
        log.exception("unhandled error")
        return error_response(
            500,
            "internal_error",
            "an unexpected error occurred; it was logged"
            + (f" with request id {rid}" if rid else ""),
        )
