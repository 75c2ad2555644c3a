"""``python -m bench.recording``: what recording every session costs (issue 14).

Two sshgate workers side by side on the same OpenSSH target, one with the recording plugin
off and one with it on (``SSHGATE_RECORDING_ENABLED=true``, its folder on the same disk as the
bench's temp dir), run the three throughput workloads of scenario 1 interleaved with raw
``ssh -tt``, deflate on and off. Besides MB/s: each gateway's peak RSS growth while the
workloads ran (the recorder's queue is bounded by ``SSHGATE_RECORDING_QUEUE_LIMIT``, 8 MiB by
default, whatever the output rate) and the size of the cast files written. The ratio that
matters is "recording on / recording off", printed at the end; the target is >= 0.9x.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import procstat
from .config import sizes_for
from .context import Bench
from .gateway import expect
from .report import table
from .results import Results
from .scenarios import throughput
from .sshgate_gw import Sshgate, installed_plugins, running_sshgate
from .target import check_login, make_random_file, make_text_file, serve_target

SYSTEMS = ["ssh", "sshgate", "sshgate-rec"]
TARGET_RATIO = 0.9


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.recording", description=__doc__)
    parser.add_argument("--quick", action="store_const", const="quick", dest="mode")
    parser.add_argument("--smoke", action="store_const", const="smoke", dest="mode")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.set_defaults(mode="full")
    return parser.parse_args(argv)


@dataclass
class Measured:
    results: Results
    growth: dict[str, float]  # MiB of peak RSS growth per gateway
    written: int  # bytes of cast files
    statuses: Counter[str]  # the recordings' statuses: all "complete", or the ratio is void


async def statuses(gate: Sshgate) -> Counter[str]:
    """The statuses of the recording gateway's recordings, once none is still being closed."""
    deadline = time.monotonic() + 60
    async with gate.http(60) as client:
        while True:
            listed = expect(await client.get("/api/recordings", params={"limit": 500}))
            found = Counter(r["status"] for r in listed["recordings"])
            if not found["recording"] or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.5)


async def measure(args: argparse.Namespace) -> Measured:
    sizes = sizes_for(args.mode)
    if args.repeats:
        sizes = type(sizes)(**{**sizes.__dict__, "repeats": args.repeats})
    results = Results()
    log_dir = Path(tempfile.mkdtemp(prefix="sshgate-bench-rec-logs-"))
    folder = Path(tempfile.mkdtemp(prefix="sshgate-bench-recordings-"))
    recording = {"SSHGATE_RECORDING_ENABLED": "true", "SSHGATE_RECORDING_DIR": str(folder)}
    try:
        with serve_target() as target:
            await check_login(target)
            files = {
                "random": make_random_file(target.workdir / "random.bin", sizes.random_in),
                "text": make_text_file(target.workdir / "text.txt", sizes.text_size),
            }
            async with contextlib.AsyncExitStack() as stack:
                off = await stack.enter_async_context(running_sshgate(target, log_dir=log_dir))
                on = await stack.enter_async_context(
                    running_sshgate(
                        target, log_dir=log_dir, extra_env=recording, log_name="sshgate-rec"
                    )
                )
                gateways = {"sshgate": off, "sshgate-rec": on}
                bench = Bench(target, sizes, results, gateways, SYSTEMS, log_dir, files=files)  # type: ignore[arg-type]
                peaks = {name: procstat.PeakRSS(g.pid) for name, g in gateways.items()}
                with contextlib.ExitStack() as sampling:
                    for peak in peaks.values():
                        sampling.enter_context(peak)
                    await throughput.run(bench)
                growth = {name: (p.peak - p.start_rss) / 2**20 for name, p in peaks.items()}
                found = await statuses(on)
        if set(found) != {"complete"}:
            results.failures.append(f"not every session was recorded completely: {dict(found)}")
        return Measured(results, growth, cast_bytes(folder), found)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(log_dir, ignore_errors=True)


def cast_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*.cast"))


def ratios(results: Results) -> list[tuple[str, float | None]]:
    out = []
    for key, row in results.rows.items():
        if not key.endswith(".mbps"):
            continue
        on, off = row.median("sshgate-rec"), row.median("sshgate")
        out.append((row.label, on / off if on and off else None))
    return out


def report(measured: Measured) -> str:
    results, growth, written = measured.results, measured.growth, measured.written
    lines = ["# sshgate: recording on vs off", "", table(results, SYSTEMS), ""]
    lines += ["| workload | recording on / off | >= 0.9x |", "|---|---|---|"]
    for label, ratio in ratios(results):
        shown = f"{ratio:.2f}x" if ratio is not None else "n/a"
        met = "n/a" if ratio is None else ("yes" if ratio >= TARGET_RATIO else "**no**")
        lines.append(f"| {label.removesuffix(': MB/s')} | {shown} | {met} |")
    lines += [
        "",
        "| gateway | peak RSS growth during the workloads |",
        "|---|---|",
        *(f"| {name} | {mib:.1f} MiB |" for name, mib in growth.items()),
        "",
        f"Cast files written: {written / 1e6:.0f} MB; recordings by status: "
        + ", ".join(f"{n} {status}" for status, n in sorted(measured.statuses.items())),
    ]
    if results.failures:
        lines += ["", "Failed runs:", *(f"- {f}" for f in results.failures)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if "recording" not in installed_plugins():
        print("the recording plugin is not installed (scripts/setup.sh)", file=sys.stderr)
        return 2
    measured = asyncio.run(measure(args))
    results = measured.results
    text = report(measured)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    (args.out / f"recording-{stamp}.md").write_text(text + "\n")
    (args.out / f"recording-{stamp}.json").write_text(
        json.dumps(
            {
                "results": results.to_json(),
                "rss_growth_mib": measured.growth,
                "cast_bytes": measured.written,
                "statuses": measured.statuses,
            }
        )
    )
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
