"""``python -m bench``: one command that installs the peers, runs every scenario interleaved
across systems, prints the Markdown table and writes it, with raw JSON, to bench/results/."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import importlib
import importlib.metadata
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from . import report
from .config import PEERS, SCENARIOS, SYSTEMS, Sizes, sizes_for
from .context import Bench, Gateway
from .peers import ensure_installed, installed_versions, running_webgate, running_webssh
from .results import Results
from .sshgate_gw import running_sshgate
from .target import Target, check_login, make_random_file, make_text_file, serve_target

RESULTS_DIR = Path(__file__).resolve().parent / "results"
# Scenarios that measure the gateway's memory get fresh processes, so that they do not
# inherit the previous scenario's heap (freed memory a process keeps would hide growth).
FRESH = {"sftp", "idle", "slow"}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="smaller sizes, 3 repeats (~8 min)")
    mode.add_argument(
        "--smoke",
        action="store_true",
        help="seconds, tiny sizes, sshgate + raw only, byte checks (test suite)",
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated subset of {','.join(SCENARIOS)}",
    )
    parser.add_argument(
        "--systems", default=None, help=f"comma-separated subset of {','.join(SYSTEMS)}"
    )
    parser.add_argument("--no-peers", action="store_true", help="skip webssh and webgate")
    parser.add_argument("--repeats", type=int, default=None, help="override the repeat count")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="results folder")
    parser.add_argument("--quiet", action="store_true", help="no per-run progress on stderr")
    args = parser.parse_args(argv)
    args.mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    unknown = set(args.scenarios.split(",")) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    return args


def pick_systems(args: argparse.Namespace) -> list[str]:
    wanted = args.systems.split(",") if args.systems else list(SYSTEMS)
    if args.smoke or args.no_peers:
        wanted = [s for s in wanted if s not in PEERS]
    return [s for s in SYSTEMS if s in wanted]


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))


def machine() -> dict[str, Any]:
    cpu = "?"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as info:
        cpu = next(
            (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "?"
        )
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def versions(systems: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in ("sshgate", "asyncssh", "hypercorn", "quart", "websockets", "wsproto"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found[name] = importlib.metadata.version(name)
    for peer in PEERS:
        if peer in systems:
            with contextlib.suppress(OSError, ValueError):
                found.update({f"{peer}:{k}": v for k, v in installed_versions(peer).items()})
    ssh = shutil.which("ssh")
    if ssh:
        found["openssh"] = subprocess.run(  # noqa: S603 (fixed argv)
            [ssh, "-V"], capture_output=True, text=True, check=False
        ).stderr.strip()
    return found


def make_files(target: Target, sizes: Sizes, scenarios: list[str]) -> dict[str, Path]:
    files = {
        "random": make_random_file(target.workdir / "random.bin", sizes.random_in),
        "text": make_text_file(target.workdir / "text.txt", sizes.text_size),
    }
    if "sftp" in scenarios:
        files["sftp"] = make_random_file(target.workdir / "sftp.bin", sizes.sftp_size)
    return files


@contextlib.asynccontextmanager
async def gateways(
    target: Target, systems: list[str], log_dir: Path, unavailable: dict[str, str]
) -> AsyncIterator[dict[str, Gateway]]:
    """Fresh gateway processes (memory figures must not inherit the previous scenario's
    heap); a peer that cannot start is n/a for the scenario, with the reason."""
    async with contextlib.AsyncExitStack() as stack:
        started: dict[str, Gateway] = {}
        makers = {
            "sshgate": lambda: running_sshgate(target, log_dir=log_dir),
            "webssh": lambda: running_webssh(target, log_dir),
            "webgate": lambda: running_webgate(target, log_dir),
        }
        for name in systems:
            if name not in makers or name in unavailable:
                continue
            try:
                started[name] = await stack.enter_async_context(makers[name]())
            except Exception as exc:
                if name == "sshgate":
                    raise
                unavailable[name] = f"could not start: {exc}"[:300]
        yield started


async def main_async(args: argparse.Namespace) -> Results:
    sizes = sizes_for(args.mode)
    if args.repeats:
        sizes = Sizes(**{**sizes.__dict__, "repeats": args.repeats})
    systems = pick_systems(args)
    scenarios = [s for s in SCENARIOS if s in args.scenarios.split(",")]
    results = Results()
    results.meta.update(
        machine(),
        mode=sizes.mode,
        repeats=sizes.repeats,
        systems=systems,
        scenarios=scenarios,
        sizes=sizes.__dict__,
    )
    unavailable: dict[str, str] = {}
    for peer in PEERS:
        if peer in systems:
            try:
                ensure_installed(peer)
            except Exception as exc:
                unavailable[peer] = f"n/a (install failed: {exc})"[:300]
    results.meta["versions"] = versions(systems)
    log_dir = Path(tempfile.mkdtemp(prefix="sshgate-bench-logs-"))
    started = time.perf_counter()
    with serve_target() as target:
        await check_login(target)
        files = make_files(target, sizes, scenarios)
        current: contextlib.AsyncExitStack | None = None
        running: dict[str, Gateway] = {}
        try:
            for scenario in scenarios:
                module = importlib.import_module(f"bench.scenarios.{scenario}")
                if not args.quiet:
                    print(
                        f"== {module.SCENARIO} (at {time.perf_counter() - started:.0f} s)",
                        file=sys.stderr,
                        flush=True,
                    )
                if current is None or (sizes.fresh_gateways and scenario in FRESH):
                    if current is not None:
                        await current.aclose()
                    current = contextlib.AsyncExitStack()
                    running = await current.enter_async_context(
                        gateways(target, systems, log_dir, unavailable)
                    )
                bench = Bench(
                    target,
                    sizes,
                    results,
                    running,
                    systems,
                    log_dir,
                    verbose=not args.quiet,
                    files=files,
                )
                await module.run(bench)
        finally:
            if current is not None:
                await current.aclose()
    for system, reason in unavailable.items():
        results.mark_na("", system, reason)
    results.meta["seconds"] = time.perf_counter() - started
    if results.failures:
        results.meta["logs"] = str(log_dir)  # the gateways' logs, for the failures
        print(f"gateway logs kept in {log_dir}", file=sys.stderr)
    else:
        shutil.rmtree(log_dir, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    raise_fd_limit()
    results = asyncio.run(main_async(args))
    systems = results.meta["systems"]
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + f"-{results.meta['mode']}"
    md_path, json_path = report.write(results, systems, args.out, stamp)
    print(report.markdown(results, systems))
    print(f"written: {md_path} and {json_path}", file=sys.stderr)
    return 1 if results.failures else 0
