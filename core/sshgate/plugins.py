"""The plugin manager: discovery, blocking, validation and a typed way to call hooks.

One :class:`Plugins` exists per app (``app.extensions["sshgate"].plugins``); nothing here is
module-global, so two apps in one process never share plugins.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import inspect
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

from . import __version__, hookspecs
from .contract import (
    Actor,
    Identity,
    LoginMethod,
    ProviderUnavailable,
    ServerInfo,
    SessionObserver,
    SessionRefused,
    TerminalSession,
    contract_satisfies,
)
from .errors import StartupError

if TYPE_CHECKING:
    from quart import Quart

    from .events import Event

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "sshgate"

# Core features, registered through the same hooks as any plugin. Order does not matter.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "sshgate.audit",
    "sshgate.auth",
    "sshgate.commands",
    "sshgate.db.default_migrations",
    "sshgate.demo.plugin",
    "sshgate.registry",
    "sshgate.sandbox.plugin",
    "sshgate.snippets",
    "sshgate.terminal",
    "sshgate.ssh",
    "sshgate.web.activity",
    "sshgate.web.meta",
    "sshgate.web.docs",
    "sshgate.web.frontend",
)

# Default plugins that security rests on: sign-in and the sweep of ended logins, the audit
# trail, the core tables. Naming one in SSHGATE_DISABLE_PLUGINS stops start-up.
REQUIRED_PLUGINS: frozenset[str] = frozenset(
    {"sshgate.auth", "sshgate.audit", "sshgate.db.default_migrations"}
)
# What a decider that raised answers: a denial (see Plugins._decide).
FAILED = object()
# A plugin module declares the contract it was written for: SSHGATE_CONTRACT = "1.3".
CONTRACT_ATTR = "SSHGATE_CONTRACT"

# Hooks that run while the app is built, outside any event loop.
SYNC_ONLY_HOOKS = frozenset(name for name in dir(hookspecs) if name.startswith("register_")) | {
    "extra_js_urls",
    "extra_css_urls",
    "asgi_wrapper",
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
    required = sorted(REQUIRED_PLUGINS.intersection(disabled))
    if required:
        raise StartupError(
            f"SSHGATE_DISABLE_PLUGINS: {', '.join(required)} cannot be disabled "
            "(sign-in, authorization and the audit trail depend on it)"
        )
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
        if pm.has_plugin(name):  # an entry point took the name: it must not stand in for it
            raise StartupError(
                f"an installed plugin registers itself as the core plugin {name}; "
                "uninstall it or rename its entry point"
            )
        if not pm.is_blocked(name):
            pm.register(importlib.import_module(name), name=name)
    for plugin in plugins:
        module = importlib.import_module(plugin) if isinstance(plugin, str) else plugin
        given: str | None = plugin if isinstance(plugin, str) else getattr(plugin, "__name__", None)
        if given is None or not pm.is_blocked(given):
            pm.register(module, name=given)
    check_plugins(pm)
    return pm


def check_plugins(pm: pluggy.PluginManager) -> None:
    """Fail fast on misspelled hooks, async implementations of build-time hooks and plugins
    written for a newer contract than this host provides."""
    for name, plugin in pm.list_name_plugin():
        if not hasattr(plugin, CONTRACT_ATTR):
            continue
        wanted = getattr(plugin, CONTRACT_ATTR)
        try:
            ok = contract_satisfies(hookspecs.HOOKSPEC_VERSION, wanted)
        except ValueError:
            raise StartupError(
                f"plugin {name}: {CONTRACT_ATTR} = {wanted!r} is not a version such as '1.3'"
            ) from None
        if not ok:
            raise StartupError(
                f"plugin {name} needs plugin contract {wanted}; this sshgate "
                f"{__version__} provides {hookspecs.HOOKSPEC_VERSION}"
            )
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

    def each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """(plugin name, result) of every implementation of a build-time hook, first
        registered last (pluggy's calling order)."""
        results = []
        for impl in reversed(getattr(self.hook, hook_name).get_hookimpls()):
            args = {name: kwargs[name] for name in impl.argnames}
            results.append((impl.plugin_name, impl.function(**args)))
        return results

    def events(self) -> list[type[Event]]:
        """Every event class plugins declared with ``register_events``, sorted by name."""
        from .events import Event

        found: dict[str, type[Event]] = {}
        for plugin, result in self.each("register_events"):
            for cls in result or []:
                if not (isinstance(cls, type) and issubclass(cls, Event)):
                    raise StartupError(f"plugin {plugin}: register_events returned {cls!r}")
                found.setdefault(cls.name, cls)
        return [found[name] for name in sorted(found)]

    # Runtime hooks -----------------------------------------------------------------------

    async def call(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call a hook and await every result; exceptions propagate."""
        results = getattr(self.hook, hook_name)(**kwargs)
        return [await await_me_maybe(r) for r in results]

    async def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every implementation; one plugin's failure is logged (see
        :func:`plugin_failed`) and leaves it out, and never stops the others."""
        results = []
        for impl in reversed(getattr(self.hook, hook_name).get_hookimpls()):
            args = {name: kwargs[name] for name in impl.argnames}
            try:
                results.append((impl.plugin_name, await await_me_maybe(impl.function(**args))))
            except Exception:
                plugin_failed(impl.plugin_name, hook_name)
        return results

    async def call_isolated(self, hook_name: str, **kwargs: Any) -> None:
        """Call every implementation for its effect; failures are logged, not raised."""
        await self.call_each(hook_name, **kwargs)

    async def track_event(self, event: Event, app: Quart) -> None:
        await self.call_isolated("track_event", event=event, app=app)

    async def _decide(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Every decider's answer. Deciders fail closed: one that raises is logged like any
        plugin failure and answers :data:`FAILED`, which callers read as a denial."""
        answers = []
        for impl in reversed(getattr(self.hook, hook_name).get_hookimpls()):
            args = {name: kwargs[name] for name in impl.argnames}
            try:
                answers.append((impl.plugin_name, await await_me_maybe(impl.function(**args))))
            except Exception:
                plugin_failed(impl.plugin_name, hook_name)
                answers.append((impl.plugin_name, FAILED))
        return answers

    async def permission_allowed(self, actor: Actor, action: str, resource: object) -> bool | None:
        """Any False (or failure) denies; otherwise any True allows; otherwise None."""
        answers = [
            a
            for _, a in await self._decide(
                "permission_allowed", actor=actor, action=action, resource=resource
            )
        ]
        if any(a is False or a is FAILED for a in answers):
            return False
        if any(a is True for a in answers):
            return True
        return None

    async def _first_veto(self, hook_name: str, **kwargs: Any) -> str | None:
        for plugin, reason in await self._decide(hook_name, **kwargs):
            if reason is FAILED:
                return f"refused: the {plugin} plugin could not decide (its error was logged)"
            if reason:
                return str(reason)
        return None

    async def before_connect(self, actor: Actor, server: ServerInfo) -> str | None:
        """The first veto reason, or None when every plugin lets the connection through."""
        return await self._first_veto("before_connect", actor=actor, server=server)

    async def before_file_transfer(
        self, actor: Actor, server: ServerInfo, operation: str, path: str
    ) -> str | None:
        """The first veto reason, or None when every plugin allows the file operation."""
        return await self._first_veto(
            "before_file_transfer", actor=actor, server=server, operation=operation, path=path
        )

    async def before_share(
        self, actor: Actor, server: ServerInfo, mode: str, expires_in: int
    ) -> str | None:
        """The first veto reason, or None when every plugin allows the share link."""
        return await self._first_veto(
            "before_share", actor=actor, server=server, mode=mode, expires_in=expires_in
        )

    async def session_observers(
        self, session: TerminalSession, app: Quart
    ) -> list[tuple[str, SessionObserver]]:
        """(plugin name, observer) pairs; a plugin whose hook raises only loses its own,
        except with :class:`SessionRefused`, which refuses the session (and propagates)."""
        observers: list[tuple[str, SessionObserver]] = []
        for impl in reversed(self.hook.session_observers.get_hookimpls()):
            args = {"session": session, "app": app}
            try:
                result = await await_me_maybe(impl.function(**{a: args[a] for a in impl.argnames}))
            except SessionRefused:
                # Observers already made for this session will never see it: let them go.
                for _, observer in observers:
                    with contextlib.suppress(Exception):
                        getattr(observer, "closed", lambda: None)()
                raise
            except Exception:
                plugin_failed(impl.plugin_name, "session_observers")
                continue
            observers.extend((impl.plugin_name, observer) for observer in result or [])
        return observers

    async def authenticate(self, username: str, password: str, app: Quart) -> Identity | None:
        """The first provider's Identity. A provider that raises counts as unavailable: when
        no other provider vouches for the user, :class:`ProviderUnavailable` is raised."""
        unavailable: ProviderUnavailable | None = None
        for impl in reversed(self.hook.authenticate.get_hookimpls()):
            kwargs = {"username": username, "password": password, "app": app}
            args = {name: kwargs[name] for name in impl.argnames}
            try:
                identity = await await_me_maybe(impl.function(**args))
            except ProviderUnavailable as exc:
                log.warning("sign-in provider %s unavailable: %s", impl.plugin_name, exc.message)
                unavailable = exc
                continue
            except Exception:
                plugin_failed(impl.plugin_name, "authenticate")
                unavailable = ProviderUnavailable(impl.plugin_name, "the sign-in provider failed")
                continue
            if identity is not None:
                if not isinstance(identity, Identity):
                    plugin_failed(impl.plugin_name, "authenticate", f"returned {identity!r}")
                    continue
                return identity
        if unavailable is not None:
            raise unavailable
        return None

    async def login_methods(self, app: Quart) -> list[LoginMethod]:
        methods = []
        for plugin, result in await self.call_each("login_methods", app=app):
            for method in result or []:
                if isinstance(method, LoginMethod):
                    methods.append(method)
                else:
                    plugin_failed(plugin, "login_methods", f"returned {method!r}")
        return methods


def plugin_failed(plugin: str, where: str, problem: str | None = None) -> None:
    """The one way a plugin's failure is reported: logged with the plugin and the hook or
    observer method named (and the traceback, when called from an ``except`` block)."""
    if problem is None:
        log.exception("plugin %s failed in %s", plugin, where)
    else:
        log.error("plugin %s failed in %s: %s", plugin, where, problem)


def static_dir(plugin: object) -> Path | None:
    """A plugin package's ``static/`` folder, served at ``static/plugins/<name>/``."""
    if not isinstance(plugin, ModuleType) or not getattr(plugin, "__file__", None):
        return None
    package = importlib.import_module(plugin.__name__.split(".")[0])
    if not package.__file__:
        return None
    folder = Path(package.__file__).parent / "static"
    return folder if folder.is_dir() else None
