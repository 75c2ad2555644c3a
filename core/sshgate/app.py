"""The app factory: settings -> plugin manager -> database -> blueprints -> lifecycle."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from quart import Blueprint, Quart, current_app
from quart_schema import Info, QuartSchema

from . import __version__, logs
from .db import Database
from .db.migrate import upgrade
from .errors import StartupError
from .events import StartupEvent
from .plugins import Plugins, build_plugin_manager
from .settings import Settings, check_unknown_env, load_plugin_settings, plugin_env_prefix
from .web import deflate
from .web import errors as web_errors
from .web.rootpath import RootPathMiddleware
from .web.security import install_security_headers


@dataclass
class Gate:
    """Everything the app owns, kept in ``app.extensions["sshgate"]``."""

    settings: Settings
    plugins: Plugins
    db: Database
    plugin_settings: dict[str, BaseModel]
    migration_locations: list[str]
    instance_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started: datetime = field(default_factory=lambda: datetime.now(UTC))


def create_app(
    settings: Settings | None = None,
    *,
    plugins: Iterable[object | str] = (),
    load_entrypoints: bool = True,
    environ: Mapping[str, str] | None = None,
) -> Quart:
    """Build an sshgate app. Raises :class:`StartupError` with a one-line reason."""
    environ = os.environ if environ is None else environ
    settings = settings if settings is not None else Settings.from_env(environ)
    pm = build_plugin_manager(
        plugins, load_entrypoints=load_entrypoints, disabled=settings.disable_plugins
    )
    hooks = Plugins(pm)
    plugin_settings = {
        name: load_plugin_settings(name, model, environ, settings.plugin_settings.get(name))
        for result in pm.hook.register_settings()
        for name, model in (result or {}).items()
    }

    deflate.install(settings.ws_compression)
    # No default static route: the frontend blueprint serves static/ itself.
    app = Quart("sshgate", static_folder=None)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_size,
        # Our own error handlers answer JSON; never let Quart render an HTML traceback.
        PROPAGATE_EXCEPTIONS=False,
    )
    gate = Gate(
        settings=settings,
        plugins=hooks,
        db=Database(settings.db_url),
        plugin_settings=plugin_settings,
        migration_locations=[str(p) for p in hooks.collect("register_migrations")],
    )
    app.extensions["sshgate"] = gate

    QuartSchema(
        app,
        openapi_path=None,  # served by sshgate.web.docs, behind the same guard as every route
        swagger_ui_path=None,
        redoc_ui_path=None,
        scalar_ui_path=None,
        info=Info(title="sshgate", version=__version__),
    )
    web_errors.install(app)
    logs.install_request_logging(app)
    install_security_headers(app)
    for blueprint in hooks.collect("register_blueprints", app=app):
        _register_blueprint(app, blueprint)

    @app.before_serving
    async def _start() -> None:
        await gate.db.check_reachable()
        if settings.migrate_on_start:
            await upgrade(gate.db.engine, gate.migration_locations)
        await hooks.call("startup", app=app)
        await hooks.track_event(
            StartupEvent(instance_id=gate.instance_id, version=__version__), app
        )

    @app.after_serving
    async def _stop() -> None:
        try:
            await hooks.call("shutdown", app=app)
        finally:
            await gate.db.dispose()

    if settings.root_path:
        app.asgi_app = RootPathMiddleware(app.asgi_app, settings.root_path)  # type: ignore[method-assign]
    return app


def _register_blueprint(app: Quart, blueprint: Any) -> None:
    if not isinstance(blueprint, Blueprint):
        raise StartupError(f"register_blueprints returned {blueprint!r}, not a Blueprint")
    if blueprint.url_prefix is None:
        raise StartupError(f"blueprint {blueprint.name!r} needs a url_prefix")
    app.register_blueprint(blueprint)


def app_from_env(environ: Mapping[str, str] | None = None) -> Quart:
    """The app as deployed: settings from the environment, unknown variables refused."""
    environ = os.environ if environ is None else environ
    settings = Settings.from_env(environ)
    logs.configure(settings)
    app = create_app(settings, environ=environ)
    prefixes = [plugin_env_prefix(name) for name in get_gate(app).plugin_settings]
    check_unknown_env(environ, prefixes)
    return app


def get_gate(app: Quart) -> Gate:
    gate: Gate = app.extensions["sshgate"]
    return gate


def current_gate() -> Gate:
    """The state of the app handling the current request, WebSocket or app context."""
    return get_gate(current_app)
