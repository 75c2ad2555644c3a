"""Swagger UI at ``/docs``, from the local vendor folder (no CDN, no inline script)."""

from __future__ import annotations

from quart import Blueprint, Quart, Response, send_from_directory

from ..hookspecs import hookimpl
from .frontend import frontend_dir, require_vendor

bp = Blueprint("docs", __name__, url_prefix="/docs")


@bp.get("")
async def docs() -> Response:
    """The API explorer; it reads ``openapi.json`` relative to the app root."""
    require_vendor()
    response = await send_from_directory(frontend_dir() / "app", "docs.html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [bp]
