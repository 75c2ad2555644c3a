"""The plugin manager: discovery, blocking, validation and a typed way to call hooks.

One :class:`Plugins` exists per app (``app.extensions["sshgate"].plugins``); nothing here is
module-global, so two apps in one process never share plugins.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from . import __version__, hookspecs
from .errors import StartupError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "sshgate"

# Core features, registered through the same hooks as any plugin. Order does not matter.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "sshgate.audit",
    "sshgate.auth",
    "sshgate.commands",
    "sshgate.db.default_migrations",
    "sshgate.registry",
    "sshgate.snippets",
    "sshgate.terminal",
    "sshgate.ssh",
    "sshgate.web.activity",
    "sshgate.web.meta",
    "sshgate.web.docs",
    "sshgate.web.frontend",
)

# Hooks that run while the app is built, outside any event loop.
SYNC_ONLY_HOOKS = frozenset(name for name in dir(hookspecs) if name.startswith("register_")) | {
    "extra_js_urls",
    "extra_css_urls",
}


async def await_me_maybe(value: Any) -> Any:
    """Hooks may be sync or async: await the result when it is awaitable."""
    if inspect.isawaitable(value):
        return await value
    return value


@dataclass
class PluginInfo:
    name: str
    version: str | None
    hooks: list[str]
    static_path: Path | None = None
    core: bool = False
    extras: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "hooks": self.hooks,
            "core": self.core,
            "static": self.static_path is not None,
        }


@dataclass
class UiAssets:
    plugin: str
    js: list[str | dict[str, Any]] = field(default_factory=list)
    css: list[str] = field(default_factory=list)


def build_plugin_manager(
    plugins: Iterable[object | str] = (),
    *,
    load_entrypoints: bool = True,
    disabled: Sequence[str] = (),
) -> pluggy.PluginManager:
    """Specs, then blocks, then entry points, then defaults and explicit plugins, then checks."""
    pm = pluggy.PluginManager("sshgate")
    pm.add_hookspecs(hookspecs)
    for name in disabled:
        pm.set_blocked(name)
    if load_entrypoints:
        try:
            pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        except Exception as exc:  # a broken third-party package must not hide behind a traceback
            raise StartupError(f"could not load a plugin from entry points: {exc!r}") from exc
    for name in DEFAULT_PLUGINS:
        if not pm.is_blocked(name):
            pm.register(importlib.import_module(name), name=name)
    for plugin in plugins:
        module = importlib.import_module(plugin) if isinstance(plugin, str) else plugin
        name = plugin if isinstance(plugin, str) else getattr(plugin, "__name__", None)
        if name is None or not pm.is_blocked(name):
            pm.register(module, name=name)
    check_plugins(pm)
    return pm


def check_plugins(pm: pluggy.PluginManager) -> None:
    """Fail fast on misspelled hooks and async implementations of build-time hooks."""
    known = hook_names()
    for name, caller in vars(pm.hook).items():
        if not isinstance(caller, pluggy.HookCaller) or caller.spec is not None:
            continue
        for impl in caller.get_hookimpls():
            if impl.optionalhook:
                continue
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise StartupError(f"plugin {impl.plugin_name}: unknown hook {name!r}{hint}")
    for hook_name in SYNC_ONLY_HOOKS:
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            if inspect.iscoroutinefunction(impl.function):
                raise StartupError(
                    f"plugin {impl.plugin_name}: hook {hook_name} runs while the app is built "
                    "and must be a plain function, not async"
                )


def hook_names() -> list[str]:
    """Every hook of the contract, from ``sshgate.hookspecs``."""
    return sorted(name for name, value in vars(hookspecs).items() if hasattr(value, "sshgate_spec"))


class Plugins:
    """A typed facade over the hook relay: call sites get checked signatures and awaiting."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self.hook = pm.hook
        self._manifest: list[UiAssets] | None = None

    # Introspection -----------------------------------------------------------------------

    def info(self) -> list[PluginInfo]:
        dists = {id(plugin): dist for plugin, dist in self.pm.list_plugin_distinfo()}
        result = []
        for plugin in self.pm.get_plugins():
            name = self.pm.get_name(plugin) or repr(plugin)
            dist = dists.get(id(plugin))
            core = name in DEFAULT_PLUGINS
            hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])
            version = dist.version if dist is not None else (__version__ if core else None)
            result.append(
                PluginInfo(
                    name=name,
                    version=version,
                    hooks=hooks,
                    static_path=None if core else static_dir(plugin),
                    core=core,
                )
            )
        return sorted(result, key=lambda p: (p.core, p.name))

    def names(self) -> list[str]:
        return [self.pm.get_name(p) or repr(p) for p in self.pm.get_plugins()]

    def ui_manifest(self) -> list[UiAssets]:
        """Each plugin's front-end modules and stylesheets, in registration order."""
        if self._manifest is None:
            by_plugin: dict[str, UiAssets] = {}
            for hook_name, attr in (("extra_js_urls", "js"), ("extra_css_urls", "css")):
                for impl in reversed(getattr(self.hook, hook_name).get_hookimpls()):
                    urls = impl.function() or []
                    assets = by_plugin.setdefault(impl.plugin_name, UiAssets(impl.plugin_name))
                    getattr(assets, attr).extend(urls)
            self._manifest = list(by_plugin.values())
        return self._manifest

    # Build-time hooks --------------------------------------------------------------------

    def collect(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Flatten the lists returned by a build-time hook."""
        items: list[Any] = []
        for result in getattr(self.hook, hook_name)(**kwargs):
            if result:
                items.extend(result)
        return items

    # Runtime hooks -----------------------------------------------------------------------

    async def call(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call a hook and await every result; exceptions propagate."""
        results = getattr(self.hook, hook_name)(**kwargs)
        return [await await_me_maybe(r) for r in results]

    async def call_isolated(self, hook_name: str, **kwargs: Any) -> None:
        """Call every implementation; one plugin's failure is logged and does not stop others."""
        for impl in reversed(getattr(self.hook, hook_name).get_hookimpls()):
            args = {name: kwargs[name] for name in impl.argnames}
            try:
                await await_me_maybe(impl.function(**args))
            except Exception:
                log.exception("plugin %s failed in %s", impl.plugin_name, hook_name)

    async def track_event(self, event: Any, app: Any) -> None:
        await self.call_isolated("track_event", event=event, app=app)

    async def permission_allowed(self, actor: Any, action: str, resource: Any) -> bool | None:
        """Any False denies; otherwise any True allows; otherwise no opinion (None)."""
        answers = await self.call(
            "permission_allowed", actor=actor, action=action, resource=resource
        )
        if any(a is False for a in answers):
            return False
        if any(a is True for a in answers):
            return True
        return None

    async def before_connect(self, actor: Any, server: Any) -> str | None:
        """The first veto reason, or None when every plugin lets the connection through."""
        for reason in await self.call("before_connect", actor=actor, server=server):
            if reason:
                return str(reason)
        return None

    async def before_file_transfer(
        self, actor: Any, server: Any, operation: str, path: str
    ) -> str | None:
        """The first veto reason, or None when every plugin allows the file operation."""
        answers = await self.call(
            "before_file_transfer", actor=actor, server=server, operation=operation, path=path
        )
        return next((str(reason) for reason in answers if reason), None)

    async def session_observers(self, session: Any) -> list[Any]:
        observers: list[Any] = []
        for result in await self.call("session_observers", session=session):
            observers.extend(result or [])
        return observers


def static_dir(plugin: object) -> Path | None:
    """A plugin package's ``static/`` folder, served at ``static/plugins/<name>/``."""
    if not isinstance(plugin, ModuleType) or not getattr(plugin, "__file__", None):
        return None
    package = importlib.import_module(plugin.__name__.split(".")[0])
    if not getattr(package, "__file__", None):
        return None
    folder = Path(package.__file__).parent / "static"
    return folder if folder.is_dir() else None
