"""The page and its static files: our own code, the vendor folder and plugins' ``static/``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from quart import Blueprint, Quart, Response, current_app, send_from_directory

from ..auth.permissions import public
from ..errors import ApiError
from ..hookspecs import hookimpl

bp = Blueprint("frontend", __name__, url_prefix="/")

PACKAGED = Path(__file__).resolve().parent.parent / "_frontend"
SOURCE = Path(__file__).resolve().parents[3] / "frontend"
# Only these sub-folders of the front-end tree are served; package.json and friends are not.
SERVED = ("app", "vendor")
STATIC_MAX_AGE = 3600


@cache
def frontend_dir() -> Path:
    """The packaged copy in a wheel, else the repository's ``frontend/`` (editable installs)."""
    return PACKAGED if (PACKAGED / "index.html").is_file() else SOURCE


def vendor_ready() -> bool:
    return (frontend_dir() / "vendor" / "manifest.json").is_file()


def require_vendor() -> None:
    if not vendor_ready():
        raise ApiError(
            503,
            "frontend_not_installed",
            "the front-end libraries are not installed; run ./run.sh or scripts/vendor.sh",
        )


@bp.get("")
@public
async def index() -> Response:
    response = await send_from_directory(frontend_dir(), "index.html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("static/<any(app, vendor):area>/<path:filename>")
@public
async def static_file(area: str, filename: str) -> Response:
    if area == "vendor":
        require_vendor()
    response = await send_from_directory(frontend_dir() / area, filename)
    response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}"
    return response


@bp.get("static/plugins/<name>/<path:filename>")
@public
async def plugin_static(name: str, filename: str) -> Response:
    folders = {
        info.name: info.static_path
        for info in current_app.extensions["sshgate"].plugins.info()
        if info.static_path is not None
    }
    if name not in folders:
        raise ApiError(404, "not_found", f"no plugin {name!r} serves static files")
    response = await send_from_directory(folders[name], filename)
    response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}"
    return response


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [bp]
