"""The ``/api/files`` blueprint shared by the route modules, and small request helpers."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from quart import Blueprint, request

from sshgate.api import ApiError

bp = Blueprint("sftp", __name__, url_prefix="/api/files")
M = TypeVar("M", bound=BaseModel)
_TRUE = frozenset({"1", "true", "yes", "on"})


class Body(BaseModel):
    """Request bodies: unknown fields and loose types ("recursive": "yes") are errors, not
    silently ignored or coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


def flag(name: str) -> bool:
    return request.args.get(name, "").strip().lower() in _TRUE


def parse_body(model: type[M], raw: bytes) -> M:
    """Validate a JSON body read through the body stream (routes whose body Quart never
    sees, see :mod:`.bodystream`)."""
    try:
        data: Any = json.loads(raw or b"null")
    except ValueError as exc:
        raise ApiError(400, "invalid_json", f"request body is not valid JSON: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ApiError(400, "validation_error", f"invalid request: {problems}") from None
