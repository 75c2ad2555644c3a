"""``python -m bench.monitor`` (the monitoring plugin's loop-lag bench) with a small round,
end to end, so that it cannot rot: a real sshd, closed ports and a silent socket as targets.
Asserts on what the probes found and on the report's shape, never on timings."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from sshgate.testing.services import unavailable
from sshgate.testing.sshd import sshd_available

ROOT = Path(__file__).resolve().parents[2]


def test_a_small_probe_round_finds_every_target_as_it_is(tmp_path: Path) -> None:
    ok, reason = sshd_available()
    if not ok:
        unavailable(reason)
    if importlib.util.find_spec("sshgate_monitoring") is None:
        unavailable("the monitoring plugin is not installed: bash scripts/setup.sh --test")
    argv = ["--servers", "24", "--closed", "3", "--silent", "2", "--timeout", "2"]
    argv += ["--rounds", "2", "--idle", "0.2", "--out", str(tmp_path)]
    proc = subprocess.run(
        [sys.executable, "-m", "bench.monitor", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-4000:]
    (found,) = tmp_path.glob("monitor-*.json")
    data = json.loads(found.read_text())
    assert data["results"] == {"online:-": 19, "offline:refused": 3, "offline:banner": 2}
    assert len(data["rounds"]) == 2
    for phase in [data["idle"], *data["rounds"]]:
        assert phase["lag_ms"]["n"] > 0 and phase["health_ms"]["n"] > 0
    assert "| round 2 |" in proc.stdout and "| idle |" in proc.stdout
