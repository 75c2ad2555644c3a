"""Emitting events: the one way any part of sshgate reports that something happened."""

from __future__ import annotations

from quart import (
    Quart,
    current_app,
    g,
    has_request_context,
    has_websocket_context,
    request,
    websocket,
)

from .events import Event
from .web.clientip import client_ip


async def emit(event: Event, app: Quart | None = None) -> None:
    """Send an event to every ``track_event`` implementation (audit, webhooks, ...).

    Inside a request, the actor and source address default to the caller's.
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    gate = app.extensions["sshgate"]
    if has_request_context() or has_websocket_context():
        req = request if has_request_context() else websocket
        actor = g.get("actor")
        if event.actor is None and actor is not None:
            event.actor = actor.username
        if event.source_ip is None:
            event.source_ip = client_ip(req, gate.settings.trusted_proxies)
    await gate.plugins.track_event(event, app)
