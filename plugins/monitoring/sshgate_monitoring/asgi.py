"""HTTP latency by route and open WebSockets: an ASGI wrapper, told the route by Quart.

The wrapper times each request from its first byte in to its last byte out (streamed
downloads included), which a route's own hooks cannot. The label must be the route's rule
(``/api/servers/<int:server_id>``), never the raw path, or every server id would be a new
series: the rule is known only once Quart has matched the request, so a hook of this
plugin's blueprint (``before_app_request``) writes it into a holder the wrapper put in the
ASGI scope. Holder, not a scope key: another wrapper between us and Quart may copy the scope
dict, but it copies the reference to the same holder.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from quart import Quart, request, websocket

from .metrics import metrics

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]
SCOPE_KEY = "sshgate_monitoring.route"
UNMATCHED = "unmatched"  # 404s and anything Quart routed nowhere


class RouteHolder:
    __slots__ = ("route",)

    def __init__(self) -> None:
        self.route = UNMATCHED


def note_route() -> None:
    """``before_app_request``: tell the wrapper which rule matched."""
    holder: RouteHolder | None = request.scope.get(SCOPE_KEY)  # type: ignore[assignment]
    if holder is not None and request.url_rule is not None:
        holder.route = request.url_rule.rule


def note_websocket_route() -> None:
    holder: RouteHolder | None = websocket.scope.get(SCOPE_KEY)  # type: ignore[assignment]
    if holder is not None and websocket.url_rule is not None:
        holder.route = websocket.url_rule.rule


def wrapper_for(app: Quart) -> Callable[[ASGIApp], ASGIApp]:
    def wrap(inner: ASGIApp) -> ASGIApp:
        async def timed(scope: Scope, receive: Any, send: Any) -> None:
            kind = scope.get("type")
            if kind not in ("http", "websocket"):
                await inner(scope, receive, send)
                return
            holder = RouteHolder()
            scope[SCOPE_KEY] = holder
            if kind == "websocket":
                await _websocket(app, inner, holder, scope, receive, send)
                return
            started = time.perf_counter()
            status = [0]

            async def watched_send(message: Message) -> None:
                if message.get("type") == "http.response.start":
                    status[0] = int(message.get("status", 0))
                await send(message)

            try:
                await inner(scope, receive, watched_send)
            finally:
                took = time.perf_counter() - started
                method = str(scope.get("method", "GET"))
                m = metrics(app)
                m.http_latency.labels(method, holder.route).observe(took)
                m.http_requests.labels(method, holder.route, str(status[0] or 500)).inc()

        return timed

    return wrap


async def _websocket(
    app: Quart, inner: ASGIApp, holder: RouteHolder, scope: Scope, receive: Any, send: Any
) -> None:
    # Counted from the accept to the end: a refused handshake was never a client.
    gauge = metrics(app).ws_clients
    counted: list[str] = []

    async def watched_send(message: Message) -> None:
        if message.get("type") == "websocket.accept" and not counted:
            counted.append(holder.route)
            gauge.labels(holder.route).inc()
        await send(message)

    try:
        await inner(scope, receive, watched_send)
    finally:
        if counted:
            gauge.labels(counted[0]).dec()
