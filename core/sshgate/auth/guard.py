"""The guard in front of every route: authenticate, check CSRF or Origin, authorize."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from quart import Quart, Websocket, current_app, g, request, websocket

from ..db.engine import unavailable_reason
from ..errors import ApiError
from .actor import CSRF_HEADER, Actor, presented_credentials, resolve_actor, unauthorized
from .live import LiveConnections
from .permissions import PUBLIC, authorize, declared_permission, forbidden
from .tokens import TokenKeys

log = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class AuthState:
    keys: TokenKeys
    live: LiveConnections = field(default_factory=LiveConnections)


def auth_state(app: Quart | None = None) -> AuthState:
    app = app or current_app
    state = app.extensions.get("sshgate.auth")
    if state is None:
        settings = app.extensions["sshgate"].settings
        state = AuthState(keys=TokenKeys(settings.secret_key.get_secret_value()))
        app.extensions["sshgate.auth"] = state
    return state


def current_actor() -> Actor | None:
    """Who is calling; None on a public route when nobody is signed in."""
    actor: Actor | None = g.get("actor")
    return actor


def signed_in_actor() -> Actor:
    """Who is calling, on a route that is not public (the guard already signed them in)."""
    actor = current_actor()
    if actor is None:
        raise unauthorized()
    return actor


async def _authenticate(req: object, permission: str) -> Actor | None:
    gate = current_app.extensions["sshgate"]
    try:
        credentials = presented_credentials(req)  # type: ignore[arg-type]
        if credentials is None:
            if permission == PUBLIC:
                return None
            raise unauthorized()
        return await resolve_actor(gate.db, auth_state().keys, gate.settings, *credentials)
    except ApiError:
        if permission == PUBLIC:
            return None  # a stale cookie must not break the login page
        raise
    except Exception as exc:
        # With the database down a public route (health, config, the page) still answers,
        # as for anyone not signed in; every other route answers 503 (web/errors.py).
        if permission == PUBLIC and unavailable_reason(exc) is not None:
            return None
        raise


def _permission_of_endpoint(endpoint: str | None) -> str:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    if view is None:
        return PUBLIC  # unrouted: the 404/405 handler answers
    permission = declared_permission(view)
    if permission is None:
        log.error("route %s declares no permission; denying", endpoint)
        raise forbidden("this route declares no permission")
    return permission


async def guard_request() -> None:
    permission = _permission_of_endpoint(request.endpoint)
    actor = await _authenticate(request, permission)
    g.actor = actor
    if permission == PUBLIC:
        return
    assert actor is not None
    presented = request.headers.get(CSRF_HEADER)
    unsafe = actor.via == "cookie" and request.method not in SAFE_METHODS
    if unsafe and not auth_state().keys.csrf_ok(actor.session_id or "", presented):
        raise forbidden(f"missing or wrong {CSRF_HEADER} header", "csrf_failed")
    await authorize(actor, permission)


def same_origin(origin: str, host: str, scheme: str) -> bool:
    parts = urlsplit(origin)
    expected = "https" if scheme in ("wss", "https") else "http"
    return parts.scheme == expected and parts.netloc.lower() == host.lower()


async def guard_websocket() -> None:
    permission = _permission_of_endpoint(websocket.endpoint)
    origin = websocket.headers.get("Origin")
    # Browsers always send Origin on WebSockets; a foreign one is cross-site WebSocket hijacking.
    if origin and not same_origin(origin, websocket.host, websocket.scheme):
        raise forbidden(f"WebSocket origin {origin} is not this site", "bad_origin")
    actor = await _authenticate(websocket, permission)
    g.actor = actor
    if permission != PUBLIC:
        await authorize(actor, permission)


async def still_signed_in(ws: Websocket) -> bool:
    """Re-check a long-lived WebSocket's credentials (another worker may have revoked them)."""
    gate = current_app.extensions["sshgate"]
    try:
        credentials = presented_credentials(ws)
        if credentials is None:
            return False
        await resolve_actor(gate.db, auth_state().keys, gate.settings, *credentials)
    except ApiError:
        return False
    return True
