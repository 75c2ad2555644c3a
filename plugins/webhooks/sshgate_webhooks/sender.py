"""One delivery attempt: sign, POST, keep a small prefix of the answer."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass

import httpx

from sshgate.api import SecretBox, SecretUnreadable

from .models import Endpoint
from .signing import headers_for
from .ssrf import Refused

PURPOSE = "webhooks"  # the secret_box purpose of secrets and custom headers


@dataclass
class Result:
    outcome: str  # success, failure, refused
    status_code: int | None
    latency_ms: int
    error: str | None = None
    response: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "success"


def custom_headers(box: SecretBox, endpoint: Endpoint) -> dict[str, str]:
    if not endpoint.headers:
        return {}
    return dict(json.loads(box.decrypt(endpoint.headers)))


async def send(
    client: httpx.AsyncClient,
    box: SecretBox,
    endpoint: Endpoint,
    delivery_id: str,
    event: str,
    body: str,
    keep: int,
    deadline: float,
) -> Result:
    """POST ``body`` to the webhook. ``deadline`` bounds the whole attempt: httpx's own
    timeouts are per phase, and a receiver dripping one byte a second would never trip
    them (the claim on the row must outlast the attempt)."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        secret = box.decrypt(endpoint.secret)
        custom = custom_headers(box, endpoint)
    except SecretUnreadable:
        return Result("failure", None, 0, "the secret cannot be read (SSHGATE_SECRET_KEY changed?)")
    raw = body.encode()
    headers = headers_for(secret, delivery_id, event, raw, custom)
    try:
        async with (
            asyncio.timeout(deadline),
            client.stream("POST", endpoint.url, content=raw, headers=headers) as answer,
        ):
            prefix = await read_prefix(answer, keep)
    except Refused as exc:
        return Result("refused", None, took(), str(exc))
    except (httpx.TimeoutException, TimeoutError):
        return Result("failure", None, took(), "timed out")
    except httpx.HTTPError as exc:
        return Result("failure", None, took(), f"{type(exc).__name__}: {exc}"[:500])
    code = answer.status_code
    if 200 <= code < 300:
        return Result("success", code, took(), None, prefix)
    if 300 <= code < 400:
        where = answer.headers.get("location", "")[:200]
        return Result("failure", code, took(), f"redirect to {where!r} not followed", prefix)
    return Result("failure", code, took(), f"HTTP {code}", prefix)


async def read_prefix(answer: httpx.Response, keep: int) -> str | None:
    """The first ``keep`` bytes of the answer; the rest is never read into memory."""
    if keep <= 0:
        return None
    kept = bytearray()
    async for chunk in answer.aiter_raw():
        kept += chunk[: keep - len(kept)]
        if len(kept) >= keep:
            break
    return kept.decode("utf-8", errors="replace").replace("\x00", "?")
