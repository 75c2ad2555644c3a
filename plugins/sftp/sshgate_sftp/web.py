"""The ``/api/files`` blueprint, and how its routes read requests: query flags, strict
JSON bodies, and upload bodies pulled from the ASGI server only as fast as SFTP takes them.

Quart reads every request body into ``request.body`` as fast as the client sends it, with
no back-pressure (its receive loop appends to an unbounded buffer), and ``request.files``
spools multipart parts to temporary files. Neither bounds memory and disk for a 200 MB
upload over a slow SFTP link. So this small ASGI middleware takes over the body of the
upload routes (``upload``, ``uploads/<id>``, ``write``): Quart sees an empty body, and the
view pulls the real one through :func:`body_chunks`, one ASGI message at a time. Hypercorn
queues only a few messages per request and stops reading the socket when the queue is full,
so TCP flow control reaches the browser: memory per upload stays at Hypercorn's queue plus
the SFTP writer's blocks in flight.

Every other request passes through untouched.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from quart import Blueprint, request

from sshgate.api import ApiError

bp = Blueprint("sftp", __name__, url_prefix="/api/files")
M = TypeVar("M", bound=BaseModel)
_TRUE = frozenset({"1", "true", "yes", "on"})

SCOPE_KEY = "sshgate_sftp.body"
STREAMED = re.compile(r"/api/files/\d+/(?:upload|uploads/[^/]+|write)$")
# The ASGI types of sshgate's asgi_wrapper contract (sshgate.web.asgi): plain mappings.
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ClientGone(ApiError):
    """The client disconnected before sending the whole body (nobody reads the answer)."""

    def __init__(self) -> None:
        super().__init__(400, "upload_interrupted", "the client disconnected during the upload")


class BodyPipe:
    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._handed_empty_body = False
        self._complete = False
        self._body_read = asyncio.Event()

    async def quart_receive(self) -> MutableMapping[str, Any]:
        """What Quart's own receive loop sees: an empty body, then (once the view read the
        real body) the server's later messages such as ``http.disconnect``."""
        if not self._handed_empty_body:
            self._handed_empty_body = True
            return {"type": "http.request", "body": b"", "more_body": False}
        # Until the view has read the body, the real receive is the view's alone. If the
        # view never reads it (a refusal), Quart cancels this wait when the response is sent.
        await self._body_read.wait()
        return await self._receive()

    async def chunks(self) -> AsyncIterator[bytes]:
        while not self._complete:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                raise ClientGone()
            self._complete = not message.get("more_body", False)
            if self._complete:
                self._body_read.set()
            body = message.get("body", b"")
            if body:
                yield body


class BodyStreamMiddleware:
    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in ("POST", "PUT", "PATCH")
            and STREAMED.search(scope["path"])
        ):
            pipe = BodyPipe(receive)
            scope = {**scope, SCOPE_KEY: pipe}
            receive = pipe.quart_receive
        await self.app(scope, receive, send)


def body_chunks() -> AsyncIterator[bytes]:
    """The current request's body, streamed with back-pressure."""
    pipe = request.scope.get(SCOPE_KEY)
    if not isinstance(pipe, BodyPipe):  # the middleware is not installed around this app
        raise ApiError(500, "internal_error", "the upload body stream is not available")
    return pipe.chunks()


async def counted(chunks: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    """``chunks``, refused with 413 once more than ``limit`` bytes came (0: no limit)."""
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if limit and total > limit:
            raise too_large(limit)
        yield chunk


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "too_large",
        f"the upload is larger than the limit of {limit} bytes (SSHGATE_SFTP_MAX_UPLOAD_SIZE)",
        {"limit": limit},
    )


def check_length(limit: int) -> None:
    """413 before reading anything when the declared Content-Length is over ``limit``."""
    declared = request.content_length
    if limit and declared is not None and declared > limit:
        raise too_large(limit)


async def read_body(limit: int) -> bytes:
    """A whole (small) body, refused with 413 beyond ``limit`` bytes."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise ApiError(413, "too_large", f"the request body is larger than {limit} bytes")
    data = bytearray()
    async for chunk in body_chunks():
        data += chunk
        if len(data) > limit:
            raise ApiError(413, "too_large", f"the request body is larger than {limit} bytes")
    return bytes(data)


class Body(BaseModel):
    """Request bodies: unknown fields and loose types ("recursive": "yes") are errors, not
    silently ignored or coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


def flag(name: str) -> bool:
    return request.args.get(name, "").strip().lower() in _TRUE


def parse_body(model: type[M], raw: bytes) -> M:
    """Validate a JSON body read through the body stream (routes whose body Quart never
    sees)."""
    try:
        data: Any = json.loads(raw or b"null")
    except ValueError as exc:
        raise ApiError(400, "invalid_json", f"request body is not valid JSON: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ApiError(400, "validation_error", f"invalid request: {problems}") from None
