"""Fixtures of the recording plugin's tests: recording on, into a folder of the test's own.

The plugin is loaded through its entry point, as in production. ``recording_options``
(parametrize it indirectly) adds settings of the plugin for a test.
"""

from __future__ import annotations

import pytest

from sshgate.testing.ssh import TEST_PASSWORD
from sshgate.testing.terminal import register_server


@pytest.fixture
def recording_dir(tmp_path):
    return tmp_path / "recordings"


@pytest.fixture
def recording_options(request) -> dict:
    return getattr(request, "param", {})


@pytest.fixture
def sshgate_settings_overrides(recording_dir, recording_options):
    options = {"enabled": True, "dir": str(recording_dir), "flush_interval": 0.05}
    return {"plugin_settings": {"recording": {**options, **recording_options}}}


@pytest.fixture
async def target(app, ssh_server) -> int:
    """The in-process SSH server (real bash on a real PTY), as server "target"."""
    return await register_server(app, ssh_server, secret=TEST_PASSWORD)
