"""The example plugins as a third party has them: installed with pip outside the repository.

docs/examples/sshgate-notes and the quick-start plugin of docs/plugins.md (assembled from its
blocks) are copied to a temporary folder, installed with ``pip install --no-deps --target``,
found by ``sshgate plugins``, and their own test suites run in subprocesses that see them
only through PYTHONPATH. The notes suite's browser test leaves its screenshot in
test-artifacts/docs-example/.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from doc_blocks import REPO, assemble

EXAMPLE = REPO / "docs" / "examples" / "sshgate-notes"
ARTIFACTS = REPO / "test-artifacts" / "docs-example"
PIP_TIMEOUT = 240
SUITE_TIMEOUT = 300
COPY_IGNORE = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".ruff_cache", ".pytest_cache", "test-artifacts", "build", "*.egg-info"
)


def run(args: list[str], *, env: dict[str, str], cwd: Path, timeout: float) -> str:
    try:
        result = subprocess.run(
            args,
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{' '.join(args)} took more than {timeout:g} s:\n{exc.stdout}\n{exc.stderr}")
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(args)} exited {result.returncode}:\n{output}"
    return output


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """<tmp>/site holds both plugins; <tmp>/sshgate-notes and <tmp>/sshgate-hello their
    sources and tests."""
    root = tmp_path_factory.mktemp("example-plugins")
    assert REPO not in root.parents, "the copy must live outside the repository"
    shutil.copytree(EXAMPLE, root / "sshgate-notes", ignore=COPY_IGNORE)
    assemble("sshgate-hello", root)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    pip += ["--no-deps", "--target", str(root / "site")]
    if importlib.util.find_spec("hatchling") is not None:
        pip.append("--no-build-isolation")  # else pip fetches hatchling for the build
    run(
        [*pip, str(root / "sshgate-notes"), str(root / "sshgate-hello")],
        env=dict(os.environ),
        cwd=root,
        timeout=PIP_TIMEOUT,
    )
    return root


def plugin_env(root: Path, **extra: str) -> dict[str, str]:
    """A clean environment (no stray SSHGATE_* variables) that sees the installed copies."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(root / "site"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in ("CI", "PG_TEST_URL", "SSHGATE_TEST_CHROMIUM"):
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(extra)
    return env


def test_the_installed_plugins_are_discovered(installed: Path) -> None:
    env = plugin_env(
        installed,
        SSHGATE_SECRET_KEY="example-plugin-test-secret-key-" + "e" * 24,
        SSHGATE_DB_URL=f"sqlite+aiosqlite:///{installed / 'plugins.db'}",
    )
    output = run(
        [sys.executable, "-m", "sshgate", "plugins", "--json"],
        env=env,
        cwd=installed,
        timeout=120,
    )
    plugins = {p["name"]: p for p in json.loads(output[output.index("[") :])}
    notes, hello = plugins["notes"], plugins["hello"]
    assert notes["version"] == "0.1.0" and notes["static"] and not notes["core"]
    assert {"register_migrations", "session_observers", "track_event"} <= set(notes["hooks"])
    assert hello["static"] and set(hello["hooks"]) == {"extra_js_urls", "register_blueprints"}
    # Installed, not imported from the repository.
    site = installed / "site"
    assert (site / "sshgate_notes" / "static" / "notes.js").is_file()
    assert (site / "sshgate_notes" / "migrations" / "notes_0001_entries.py").is_file()


@pytest.mark.parametrize("project", ["sshgate-notes", "sshgate-hello"])
def test_the_plugin_suite_passes(installed: Path, project: str) -> None:
    shot = ARTIFACTS / "the_notes_panel_lists_notes_and_adds_one-panel.png"
    if project == "sshgate-notes":
        shot.unlink(missing_ok=True)
    env = plugin_env(installed, SSHGATE_TEST_ARTIFACTS=str(ARTIFACTS))
    output = run(
        [sys.executable, "-m", "pytest", str(installed / project / "tests"), "-q", "-rs"],
        env=env,
        cwd=installed / project,
        timeout=SUITE_TIMEOUT,
    )
    assert " passed" in output, output
    # A missing PostgreSQL or Chromium skips loudly (and fails under CI=true).
    if project == "sshgate-notes" and "REAL COMPONENT UNAVAILABLE" not in output:
        assert shot.is_file() and shot.stat().st_size > 10_000, output
