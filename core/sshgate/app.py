"""The app factory: settings -> plugin manager -> database -> blueprints -> lifecycle."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from quart import Blueprint, Quart
from quart_schema import Info, QuartSchema

from . import __version__, logs
from .auth.guard import guard_request, guard_websocket
from .db import Database
from .db.migrate import upgrade
from .errors import StartupError
from .events import StartupEvent
from .gate import Gate
from .plugins import Plugins, build_plugin_manager
from .sandbox.policy import check_sandbox
from .settings import (
    Settings,
    check_secret_key,
    check_unknown_env,
    load_plugin_settings,
    plugin_env_prefix,
)
from .tasks import BackgroundTasks
from .web import asgi as web_asgi
from .web import deflate
from .web import errors as web_errors
from .web.security import install_security_headers


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
    # Host policy: no plugin and no setting switches these off. Typos first, so that a
    # misspelt SSHGATE_SECRET_KEY is reported as such rather than as a missing key.
    check_unknown_env(environ, [plugin_env_prefix(name) for name in plugin_settings])
    check_secret_key(settings)
    check_sandbox(settings)

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
    # The guard belongs to the host, not to the auth plugin's blueprint: every route of every
    # blueprint is authenticated and authorized, whatever plugins are installed or disabled.
    app.before_request(guard_request)
    app.before_websocket(guard_websocket)
    for blueprint in hooks.collect("register_blueprints", app=app):
        _register_blueprint(app, blueprint)
    tasks = BackgroundTasks(
        app,
        [
            (plugin, task)
            for plugin, result in hooks.each("register_background_tasks", app=app)
            for task in result or []
        ],
    )

    @app.before_serving
    async def _start() -> None:
        await gate.db.check_reachable()
        if settings.migrate_on_start:
            await upgrade(gate.db.engine, gate.migration_locations)
        await hooks.call("startup", app=app)
        await hooks.track_event(
            StartupEvent(instance_id=gate.instance_id, version=__version__), app
        )
        tasks.start()

    @app.after_serving
    async def _stop() -> None:
        try:
            await tasks.stop()
            await hooks.call("shutdown", app=app)
        finally:
            await gate.db.dispose()

    web_asgi.install(app, hooks.each("asgi_wrapper", app=app), settings.root_path)
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
    return create_app(settings, environ=environ)


def app_for_command(environ: Mapping[str, str] | None = None) -> Quart:
    """The app for commands that never serve a request (migrate, db-status, plugins, audit
    verify, rotate-key): without a usable SSHGATE_SECRET_KEY they get a throwaway one, since
    they sign nothing and decrypt nothing with it. Serving always meets the key check."""
    environ = dict(os.environ if environ is None else environ)
    if Settings.from_env(environ).secret_key_is_weak:
        environ["SSHGATE_SECRET_KEY"] = secrets.token_hex(32)
    return app_from_env(environ)
