"""Swagger UI at ``/docs``, from the local vendor folder (no CDN, no inline script)."""

from __future__ import annotations

from quart import Blueprint, Quart, Response, current_app, jsonify, send_from_directory

from ..auth.permissions import public
from ..hookspecs import hookimpl
from .frontend import frontend_dir, require_vendor

bp = Blueprint("docs", __name__, url_prefix="/")


@bp.get("openapi.json")
@public
async def openapi() -> Response:
    """The OpenAPI description of every route, plugins' included."""
    response = jsonify(current_app.extensions["QUART_SCHEMA"].openapi_provider.schema())
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("docs")
@public
async def docs() -> Response:
    """The API explorer; it reads ``openapi.json`` relative to the app root."""
    require_vendor()
    response = await send_from_directory(frontend_dir() / "app", "docs.html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [bp]
