"""The benchmark harness (bench/) in its smoke mode, end to end, so that it cannot rot.

``python -m bench --smoke`` starts a real sshd and a real ``sshgate serve``, runs every
scenario with tiny sizes against sshgate and the raw references (no peers), and checks that
the bytes arrived exactly. This test asserts on those checks and on the report's shape,
never on timings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sshgate.testing.services import unavailable
from sshgate.testing.sshd import sshd_available

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    ok, reason = sshd_available()
    if not ok:
        unavailable(reason)
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--quiet", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    results = out / "latest.json"
    assert results.exists(), f"no results (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
    data = json.loads(results.read_text())
    assert not data["failures"], "\n".join(data["failures"]) + "\n" + proc.stderr[-4000:]
    assert proc.returncode == 0, proc.stderr[-4000:]
    return data, (out / "latest.md").read_text()


def test_terminal_bytes_arrive_exactly_through_raw_ssh_and_sshgate(smoke) -> None:
    data, _ = smoke
    checks = {c["what"]: c["ok"] for c in data["checks"]}
    for load in ("zeros", "random", "text"):
        for path in (
            "ssh deflate=True",
            "asyncssh deflate=True",
            "sshgate deflate=True",
            "sshgate deflate=False",
        ):
            what = f"throughput {load} via {path}"
            assert checks.get(what) is True, f"{what}: {checks.get(what)}"


def test_sftp_bytes_arrive_exactly(smoke) -> None:
    data, _ = smoke
    checks = {c["what"]: c["ok"] for c in data["checks"]}
    assert checks.get("sftp download via ssh") is True
    assert checks.get("sftp upload via ssh") is True
    rows = {row["key"]: row for row in data["rows"]}
    if "sshgate" in rows["sftp.download.mbps"]["na"]:
        pytest.skip(f"sshgate SFTP: {rows['sftp.download.mbps']['na']['sshgate']}")
    assert checks.get("sftp download via sshgate") is True
    assert checks.get("sftp upload via sshgate") is True


def test_every_scenario_measured_sshgate(smoke) -> None:
    data, _ = smoke
    scenarios = {row["scenario"] for row in data["rows"]}
    assert len(scenarios) == 7, scenarios
    for row in data["rows"]:
        measured = "sshgate" in row["systems"] or "sshgate" in row["na"]
        assert measured, f"{row['key']}: neither measured nor n/a for sshgate"
    burst = next(r for r in data["rows"] if r["key"] == "start.burst.ok")
    wanted = data["meta"]["sizes"]["burst"]
    assert burst["systems"]["sshgate"]["min"] == wanted  # every terminal of the burst opened
    assert (
        next(r for r in data["rows"] if r["key"] == "fanout.dropped")["systems"]["sshgate"]["max"]
        == 0
    )


def test_report_is_a_table_of_systems(smoke) -> None:
    data, markdown = smoke
    assert data["meta"]["systems"] == ["ssh", "asyncssh", "sshgate"]
    header = next(line for line in markdown.splitlines() if line.startswith("| scenario"))
    assert "sshgate" in header and "ssh -tt" in header
    assert "## Targets" in markdown
