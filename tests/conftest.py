"""Core tests build apps without installed plugins unless a test asks for them, so that the
test plugin (in .venv-test-plugins/, on sys.path for the test run only) changes nothing it is
not meant to."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def sshgate_load_entrypoints() -> bool:
    return False


@pytest.fixture(scope="session")
def test_plugins_dir(pytestconfig: pytest.Config) -> Path:
    """Where scripts/setup.sh --test installs the test-only plugins (pytest's ``pythonpath``).

    A subprocess a test starts sees them only if the test passes this folder in PYTHONPATH.
    """
    folder = pytestconfig.rootpath / ".venv-test-plugins"
    if not (folder / ".sshgate-test-plugins.stamp").exists():
        pytest.fail(f"{folder} is missing: run scripts/setup.sh --test", pytrace=False)
    return folder
