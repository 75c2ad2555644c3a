"""deploy/requirements.lock pins every runtime dependency of core and the installed plugins
at the version this environment (the one the suite runs in) has."""

from __future__ import annotations

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_lock_matches_what_the_suite_runs_on() -> None:
    lock = runpy.run_path(str(ROOT / "deploy/lock.py"))
    roots = lock["ours"]()
    wanted = {n: v for n, v in lock["closure"](roots).items() if n not in roots}
    pinned = dict(
        line.split("==", 1)
        for line in (ROOT / "deploy/requirements.lock").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert pinned == wanted, "run .venv/bin/python deploy/lock.py and commit the lock"
