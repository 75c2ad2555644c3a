"""Fixtures of the monitoring plugin's tests. The plugin is loaded through its entry point
(the default ``sshgate_load_entrypoints=True``), as in production; probes run every few
tenths of a second so that tests wait on conditions, not on the 60 s default."""

from __future__ import annotations

from typing import Any

import pytest

# sshgate_page (test_browser.py) comes from the repository's pytest options
# (-p sshgate.testing.browser): pytest_plugins here would break the whole suite's collection.
METRICS_TOKEN = "metrics-scraper-token-1"
FAST = {"interval": 0.3, "timeout": 3.0, "metrics_flush": 1.0, "metrics_token": METRICS_TOKEN}


@pytest.fixture
def sshgate_settings_overrides() -> dict[str, Any]:
    return {"plugin_settings": {"monitor": dict(FAST)}}
