"""Fixtures of the webhooks plugin's tests. The plugin loads through its entry point (the
default ``sshgate_load_entrypoints=True``), as in production."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from webhooks_receiver import Receiver

# Short settings: retries within a second, the worker polling often.
FAST = {
    "allow_networks": "127.0.0.1/32",
    "poll_interval": 0.2,
    "backoff_base": 0.2,
    "backoff_cap": 1.0,
    "timeout": 5.0,
    "lease_ttl": 5.0,
}


@pytest.fixture
def webhooks_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """This plugin's settings for a test: override in a module, or parametrize indirectly
    with the settings to change."""
    return {**FAST, **getattr(request, "param", {})}


@pytest.fixture
def sshgate_settings_overrides(webhooks_settings: dict[str, Any]) -> dict[str, Any]:
    return {"plugin_settings": {"webhooks": webhooks_settings}}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    try:
        yield started
    finally:
        started.stop()
