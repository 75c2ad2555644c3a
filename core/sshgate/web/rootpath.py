"""Serve under a sub-path when a reverse proxy forwards the prefix unchanged."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .asgi import ASGIApp, Receive, Scope, Send


class RootPathMiddleware:
    """Mark ``prefix`` as the ASGI root path; Quart then routes on the rest.

    Requests outside the prefix get a 404 from Quart itself; the bare prefix redirects to
    the prefix with a slash so that the page's relative URLs resolve.
    """

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            if scope["type"] == "http" and scope["path"] == self.prefix:
                await _redirect(send, self.prefix + "/")
                return
            scope = dict(scope, root_path=self.prefix)
        await self.app(scope, receive, send)


async def _redirect(send: Send, location: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 308,
            "headers": [(b"location", location.encode()), (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})
