"""Fixtures shared by the platform tests."""

from __future__ import annotations

import pytest

from sshgate.settings import Settings
from sshgate.testing.fixtures import TEST_SECRET_KEY


@pytest.fixture
def startup_settings() -> Settings:
    """Settings for checks that stop before any database is opened (one run, not per DB)."""
    return Settings.model_validate(
        {"secret_key": TEST_SECRET_KEY, "db_url": "sqlite+aiosqlite:///:memory:"}
    )
