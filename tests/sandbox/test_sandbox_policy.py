"""Where the sandbox refuses to run (DEP-4): beyond loopback without demo mode and an explicit
opt-in, as a non-root user on a public address, and with several workers. The refusals are
checked on the real command line, which must exit before it listens anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sshgate.errors import StartupError
from sshgate.sandbox.policy import check_sandbox
from sshgate.settings import Settings
from sshgate.testing.browser import SECRET_KEY, free_port


def serve(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "SSHGATE_SECRET_KEY": SECRET_KEY,
        "SSHGATE_DB_URL": f"sqlite+aiosqlite:///{tmp_path / 'sshgate.db'}",
        **env,
    }
    command = [sys.executable, "-m", "sshgate", "serve", "--port", str(free_port()), *args]
    return subprocess.run(
        command, env=environ, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


def test_refuses_a_non_loopback_address_without_demo_mode(tmp_path: Path) -> None:
    result = serve(tmp_path, "--sandbox", "--host", "0.0.0.0")
    assert result.returncode == 2, result.stderr
    assert "refusing to start the sandbox while listening on 0.0.0.0" in result.stderr
    assert "SSHGATE_DEMO_MODE=true and SSHGATE_SANDBOX_PUBLIC=true" in result.stderr
    assert not (tmp_path / "sshgate.db").exists(), "it must stop before touching anything"


def test_demo_mode_alone_is_not_an_opt_in(tmp_path: Path) -> None:
    result = serve(tmp_path, "--sandbox", "--host", "0.0.0.0", SSHGATE_DEMO_MODE="true")
    assert result.returncode == 2, result.stderr
    assert "refusing to start the sandbox" in result.stderr


def test_refuses_several_workers(tmp_path: Path) -> None:
    result = serve(tmp_path, "--sandbox", "--host", "127.0.0.1", "--workers", "2")
    assert result.returncode == 2, result.stderr
    assert "needs SSHGATE_WORKERS=1 (got 2)" in result.stderr


def settings(**values: object) -> Settings:
    return Settings.model_validate({"secret_key": SECRET_KEY, "sandbox": True, **values})


def test_public_demo_with_the_opt_in_passes_as_root_only() -> None:
    public = settings(host="0.0.0.0", demo_mode=True, sandbox_public=True)
    check_sandbox(public, euid=0)
    with pytest.raises(StartupError, match="as a non-root user"):
        check_sandbox(public, euid=1000)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_loopback_needs_nothing_else(host: str) -> None:
    check_sandbox(settings(host=host), euid=1000)


def test_off_means_no_checks() -> None:
    check_sandbox(Settings.model_validate({"secret_key": SECRET_KEY, "host": "0.0.0.0"}), euid=1)


def test_the_environment_variable_is_the_same_switch(tmp_path: Path) -> None:
    result = serve(tmp_path, "--host", "0.0.0.0", SSHGATE_SANDBOX="true")
    assert result.returncode == 2, result.stderr
    assert "refusing to start the sandbox" in result.stderr
