"""Meta routes: health for load balancers, public config for the page, the plugin list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from quart import Blueprint, Quart, current_app
from quart_schema import tag, validate_response
from sqlalchemy import text

from .. import __version__
from ..auth.permissions import public, requires
from ..gate import current_gate
from ..hookspecs import HOOKSPEC_VERSION, hookimpl

bp = Blueprint("meta", __name__, url_prefix="/api")


class Health(BaseModel):
    status: str
    version: str
    instance_id: str
    database: str
    uptime_seconds: float
    # Singleton background task -> whether this instance holds its lease (runs it) now.
    roles: dict[str, bool] = {}


class PluginOut(BaseModel):
    name: str
    version: str | None
    hooks: list[str]
    core: bool
    static: bool
    js: list[str | dict[str, Any]]
    css: list[str]


class PluginList(BaseModel):
    hookspec_version: str
    plugins: list[PluginOut]


class UiManifest(BaseModel):
    js: list[dict[str, Any]]
    css: list[dict[str, Any]]


class PublicConfig(BaseModel):
    version: str
    root_path: str
    ui: UiManifest
    extra: dict[str, Any]


@bp.get("/health")
@public
@tag(["meta"])
@validate_response(Health, 200)
@validate_response(Health, 503)
async def health() -> tuple[Health, int]:
    """Liveness and database reachability; 503 when the database does not answer."""
    gate = current_gate()
    try:
        async with gate.db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        database, status, code = "ok", "ok", 200
    except Exception:
        database, status, code = "unavailable", "degraded", 503
    uptime = (datetime.now(UTC) - gate.started).total_seconds()
    return (
        Health(
            status=status,
            version=__version__,
            instance_id=gate.instance_id,
            database=database,
            uptime_seconds=round(uptime, 1),
            roles=current_app.extensions["sshgate.tasks"].roles(),
        ),
        code,
    )


@bp.get("/config")
@public
@tag(["meta"])
@validate_response(PublicConfig)
async def config() -> PublicConfig:
    """Public values the page needs before login, including each plugin's UI assets."""
    gate = current_gate()
    manifest = gate.plugins.ui_manifest()
    extra: dict[str, Any] = {}
    for result in await gate.plugins.call("extra_config", app=current_app):
        for key, value in (result or {}).items():
            # One level deep: two plugins adding to "auth" (say) both keep their keys.
            if isinstance(value, dict) and isinstance(extra.get(key), dict):
                extra[key] = {**extra[key], **value}
            else:
                extra[key] = value
    return PublicConfig(
        version=__version__,
        root_path=gate.settings.root_path,
        ui=UiManifest(
            js=[{"plugin": m.plugin, "url": url} for m in manifest for url in m.js],
            css=[{"plugin": m.plugin, "url": url} for m in manifest for url in m.css],
        ),
        extra=extra,
    )


@bp.get("/plugins")
@requires("plugins.list")
@tag(["meta"])
@validate_response(PluginList)
async def plugins() -> PluginList:
    """Installed plugins with their version, implemented hooks and UI assets."""
    gate = current_gate()
    assets = {m.plugin: m for m in gate.plugins.ui_manifest()}
    items = []
    for info in gate.plugins.info():
        asset = assets.get(info.name)
        items.append(
            PluginOut(
                **info.to_json(),
                js=asset.js if asset else [],
                css=asset.css if asset else [],
            )
        )
    return PluginList(hookspec_version=HOOKSPEC_VERSION, plugins=items)


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [bp]
