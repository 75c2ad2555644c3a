"""Running the image's steps outside Docker: the wheels the build stage makes, a clean
virtualenv installed the way the runtime stage installs, and the HEALTHCHECK command."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Plugins whose wheels the test builds: the finished ones (the image takes every plugin
# folder with a pyproject.toml).
PLUGINS = ("plugins/sftp", "plugins/recording")


def base_python() -> str:
    """The interpreter this venv was made from: a clean venv must not inherit its packages."""
    return getattr(sys, "_base_executable", None) or sys.executable


def build_wheels(out: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(
        ["sh", "deploy/build-wheels.sh", str(out), *PLUGINS],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=1200,
    )


def clean_venv(folder: Path, wheels: Path) -> Path:
    """A new virtualenv with the wheels installed by deploy/install-wheels.sh; its bin/."""
    subprocess.run([base_python(), "-m", "venv", str(folder)], check=True, timeout=300)
    bin_dir = folder / "bin"
    env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin",
        "HOME": str(folder),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    subprocess.run(
        ["sh", str(ROOT / "deploy/install-wheels.sh"), str(wheels)],
        env=env,
        check=True,
        capture_output=True,
        timeout=1200,
    )
    return bin_dir


def healthcheck_argv() -> list[str]:
    """The exec form of the Dockerfile's HEALTHCHECK CMD."""
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    match = re.search(r"^HEALTHCHECK .*?CMD (\[.*\])$", dockerfile, re.M)
    assert match, "no exec-form HEALTHCHECK in the Dockerfile"
    argv: list[str] = json.loads(match.group(1))
    return argv
