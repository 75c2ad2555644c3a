"""Streaming ``multipart/form-data`` (browser drag and drop of several files).

Werkzeug's sans-I/O :class:`MultipartDecoder` turns body bytes into part events; this
wraps it so that each file part is an async iterator of its bytes, consumed straight into
SFTP. Nothing is spooled: the decoder only keeps what may be a boundary split across
chunks, and it is fed at most :data:`FEED` bytes at a time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import (
    Data,
    Epilogue,
    Field,
    File,
    MultipartDecoder,
    NeedData,
)

from sshgate.api import ApiError

FEED = 64 * 1024
# Part headers, preamble and plain form fields are small; anything bigger is not a browser.
MAX_BUFFER = 1024 * 1024
MAX_FIELD = 64 * 1024
MAX_PARTS = 10_000


def bad_multipart(message: str) -> ApiError:
    return ApiError(400, "bad_multipart", message)


def boundary_of(content_type: str | None) -> bytes:
    mimetype, options = parse_options_header(content_type or "")
    boundary = options.get("boundary", "")
    if mimetype != "multipart/form-data" or not boundary:
        raise ApiError(
            415,
            "unsupported_media_type",
            "send multipart/form-data with a boundary, or PUT the raw file",
        )
    return boundary.encode("latin-1")


class MultipartReader:
    def __init__(self, body: AsyncIterator[bytes], boundary: bytes) -> None:
        self._body = body
        self._decoder = MultipartDecoder(boundary, MAX_BUFFER, max_parts=MAX_PARTS)
        self._ended = False
        self._pending = memoryview(b"")

    async def files(self) -> AsyncIterator[tuple[str, AsyncIterator[bytes]]]:
        """``(file name, its bytes)`` per file part, in order; consume each before the next."""
        while True:
            event = await self._next()
            if isinstance(event, Epilogue):
                return
            if isinstance(event, File):
                yield event.filename, self._data()
            elif isinstance(event, Field):
                size = 0
                async for chunk in self._data():
                    size += len(chunk)
                    if size > MAX_FIELD:
                        raise bad_multipart(f"form field {event.name!r} is too large")

    async def _data(self) -> AsyncIterator[bytes]:
        while True:
            event = await self._next()
            if not isinstance(event, Data):
                raise bad_multipart("malformed multipart body")
            if event.data:
                yield event.data
            if not event.more_data:
                return

    async def _next(self) -> object:
        while True:
            try:
                event = self._decoder.next_event()
            except ValueError as exc:
                raise bad_multipart(f"malformed multipart body: {exc}") from None
            if not isinstance(event, NeedData):
                return event
            await self._feed()

    async def _feed(self) -> None:
        """One slice of the body into the decoder: a whole chunk may be megabytes (the
        Quart test client sends one), and the decoder buffers what it is given."""
        if not self._pending:
            if self._ended:
                raise bad_multipart("the multipart body ended early")
            chunk = await anext(self._body, None)
            if chunk is None:
                self._ended = True
                self._decoder.receive_data(None)
                return
            self._pending = memoryview(chunk)
        piece, self._pending = self._pending[:FEED], self._pending[FEED:]
        try:
            self._decoder.receive_data(bytes(piece))
        except RequestEntityTooLarge:
            raise bad_multipart("multipart headers or preamble are too large") from None
