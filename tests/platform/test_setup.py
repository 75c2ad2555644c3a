"""scripts/setup.sh keeps the test-only plugins out of the venv that ./run.sh serves from:
they live in .venv-test-plugins/, which only the test run (pytest's ``pythonpath``) sees."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import distribution, entry_points
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUN_PYTHON = REPO / ".venv" / "bin" / "python"
LIST_ENTRY_POINTS = (
    "import json; from importlib.metadata import entry_points; "
    "print(json.dumps(sorted(e.name for e in entry_points(group='sshgate'))))"
)


def run_python(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [str(RUN_PYTHON), *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        cwd=cwd,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_the_run_venv_does_not_discover_the_test_plugin(tmp_path):
    assert RUN_PYTHON.exists(), "run scripts/setup.sh --test"
    names = json.loads(run_python("-c", LIST_ENTRY_POINTS, cwd=tmp_path))
    assert "sftp" in names  # a first-party plugin: the run venv does have its entry points
    assert "testplugin" not in names
    settings = {"SSHGATE_DB_URL": "sqlite+aiosqlite:///:memory:", "SSHGATE_SECRET_KEY": "k" * 48}
    served = json.loads(
        run_python("-m", "sshgate", "plugins", "--json", env=settings, cwd=tmp_path)
    )
    assert "testplugin" not in {p["name"] for p in served}


def test_the_test_run_discovers_the_test_plugin(test_plugins_dir):
    assert "testplugin" in {e.name for e in entry_points(group="sshgate")}
    installed = Path(distribution("sshgate-testplugin").locate_file(""))
    assert installed.resolve() == test_plugins_dir.resolve()
    assert str(test_plugins_dir) in sys.path
    # Its code is the source tree's (a symlink), so that an edit needs no reinstall.
    module = Path(entry_points(group="sshgate")["testplugin"].load().__file__)
    assert module.resolve().is_relative_to(REPO / "tests" / "plugins" / "testplugin")


def test_a_subprocess_discovers_the_test_plugin_through_pythonpath(tmp_path, test_plugins_dir):
    env = {"PYTHONPATH": str(test_plugins_dir)}
    assert "testplugin" in json.loads(run_python("-c", LIST_ENTRY_POINTS, env=env, cwd=tmp_path))
