"""Core tests build apps without installed plugins unless a test asks for them, so that the
test plugin (installed in the venv by ./test.sh) changes nothing it is not meant to."""

from __future__ import annotations

import pytest


@pytest.fixture
def sshgate_load_entrypoints() -> bool:
    return False
