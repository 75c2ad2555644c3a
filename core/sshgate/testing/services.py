"""Real services for tests, and what to do when one cannot be had.

Locally a missing service skips the test with a loud reason. Under ``CI=true`` every such
skip is a failure: CI must exercise the real components.
"""

from __future__ import annotations

import os
import warnings
from typing import NoReturn

import pytest

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> NoReturn:
    """Fail under CI; otherwise skip, and say so loudly."""
    message = f"REAL COMPONENT UNAVAILABLE: {reason}"
    if in_ci():
        pytest.fail(message + " (CI=true: a skipped real-component test is a failure)")
    warnings.warn(message, stacklevel=2)
    pytest.skip(message)


def postgres_admin_url() -> str:
    """A URL of an existing database to issue CREATE/DROP DATABASE from."""
    return os.environ.get("PG_TEST_URL", DEFAULT_PG_URL)


def redis_url() -> str:
    return os.environ.get("REDIS_TEST_URL", DEFAULT_REDIS_URL)


async def require_redis() -> str:
    """The test Redis's URL once it answers a PING; unavailable (skip, or fail in CI) if not."""
    import redis.asyncio as redis  # the scale-out extra: only tests that need Redis import it

    url = redis_url()
    client = redis.from_url(url)
    try:
        await client.ping()
    except Exception as exc:
        unavailable(f"Redis at {url}: {exc}")
    finally:
        await client.aclose()
    return url
