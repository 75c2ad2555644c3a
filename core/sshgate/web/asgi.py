"""The ASGI stack: plugin wrappers from the ``asgi_wrapper`` hook around the Quart app, and
the root-path middleware outermost, so that every wrapper sees the same scope routes do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, cast

from quart import Quart

from ..errors import StartupError
from .rootpath import RootPathMiddleware

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def install(app: Quart, wrappers: list[tuple[str, Any]], root_path: str) -> None:
    """Wrap ``app.asgi_app`` once, while the app is built. ``wrappers`` are (plugin, factory)
    pairs from the hook: the first one listed is applied last, i.e. sits outermost."""
    # Quart types asgi_app with hypercorn's TypedDict scopes and events; ASGIApp takes plain
    # mappings (what ASGI sends). mypy relates neither to the other, hence the cast here and
    # the "assignment" ignore below.
    stack = cast(ASGIApp, app.asgi_app)
    for plugin, factory in reversed(wrappers):
        if factory is None:
            continue
        if not callable(factory):
            raise StartupError(f"plugin {plugin}: asgi_wrapper returned {factory!r}, not callable")
        stack = factory(stack)
        if not callable(stack):
            raise StartupError(f"plugin {plugin}: asgi_wrapper's wrapper returned {stack!r}")
    if root_path:
        stack = RootPathMiddleware(stack, root_path)
    # The one place the stack is set ("method-assign": Quart declares asgi_app a method).
    app.asgi_app = stack  # type: ignore[method-assign, assignment]
