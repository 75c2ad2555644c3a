"""``python -m bench.monitor``: does a probe round of the monitoring plugin keep the event loop
responsive? (issue 17: 500 servers at concurrency 10.)

One sshgate app in this process (SQLite in a temp dir, the monitoring plugin installed, its
background probing off so that only the measured rounds run), 500 registered servers on
loopback: most point at one real OpenSSH sshd (banner read, an sshd pre-auth child per
probe), some at closed ports (refused at once) and some at a socket that completes the TCP
handshake and never speaks (each waits the whole probe timeout). While ``Prober.round()``
runs, a sampler in the same loop sleeps 5 ms again and again and records by how much each
wake-up is late (the loop lag), and a client asks ``GET /api/health`` through the app every
50 ms (what a user's request meets meanwhile). The same is measured idle first, as the
baseline. The table goes to stdout, the samples to ``bench/results/monitor-<date>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from quart import Quart
from quart.testing.app import TestApp

from sshgate.app import create_app
from sshgate.settings import Settings
from sshgate.testing.terminal import register_server

from .target import BenchSSHD

RESULTS_DIR = Path(__file__).resolve().parent / "results"
TICK = 0.005  # the sampler's sleep: lag is how much later than this it wakes
HEALTH_EVERY = 0.05


class Where:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.monitor", description=__doc__)
    parser.add_argument("--servers", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=5.0, help="probe timeout, seconds")
    parser.add_argument("--closed", type=int, default=40, help="servers on closed ports")
    parser.add_argument("--silent", type=int, default=10, help="servers that never send a banner")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle", type=float, default=3.0, help="seconds of idle baseline")
    parser.add_argument(
        "--db-url", default=None, help="an empty database (default: SQLite in a temp dir)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    if args.closed + args.silent > args.servers:
        parser.error("--closed plus --silent exceed --servers")
    return args


@contextlib.contextmanager
def silent_socket() -> Iterator[int]:
    """A listening socket nobody accept()s on: the kernel completes handshakes into its
    backlog, no byte ever comes (no thread, no CPU: nothing that competes with the loop)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once it is closed


def build_app(folder: Path, args: argparse.Namespace) -> Quart:
    settings = Settings.model_validate(
        {
            "secret_key": "bench-secret-key-" + "x" * 32,
            "db_url": args.db_url or f"sqlite+aiosqlite:///{folder / 'sshgate.db'}",
            "host": "127.0.0.1",
            "password_hash_rounds": 4,
            "admin_password": "bench-admin-password-1",
            "disable_plugins": ["testplugin"],
            "plugin_settings": {
                "monitor": {
                    "probes": False,  # no background rounds: only the measured ones
                    "concurrency": args.concurrency,
                    "timeout": args.timeout,
                }
            },
        }
    )
    return create_app(settings, environ={})


class Sampler:
    """Loop lag (a 5 ms sleep's overshoot) and /api/health latency, while ``running``."""

    def __init__(self, app: Quart) -> None:
        self.client = app.test_client()
        self.lag: list[float] = []
        self.health: list[float] = []
        self.running = True

    async def _lag(self) -> None:
        loop = asyncio.get_running_loop()
        while self.running:
            started = loop.time()
            await asyncio.sleep(TICK)
            self.lag.append(loop.time() - started - TICK)

    async def _health(self) -> None:
        while self.running:
            started = time.perf_counter()
            response = await self.client.get("/api/health")
            if response.status_code != 200:
                raise RuntimeError(f"api/health answered {response.status_code}")
            self.health.append(time.perf_counter() - started)
            await asyncio.sleep(HEALTH_EVERY)

    async def during(self, work: Any) -> tuple[float, float]:
        """Sample while ``work`` (a coroutine) runs; its duration and this process's CPU
        seconds meanwhile (the sampler's own included)."""
        tasks = [asyncio.ensure_future(self._lag()), asyncio.ensure_future(self._health())]
        started, cpu = time.perf_counter(), time.process_time()
        try:
            await work
        finally:
            took, used = time.perf_counter() - started, time.process_time() - cpu
            self.running = False
            await asyncio.gather(*tasks)
        return took, used


def summary(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    if not ms:
        return {"n": 0, "p50": 0.0, "p99": 0.0, "max": 0.0}
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return {"n": len(ms), "p50": statistics.median(ms), "p99": p99, "max": ms[-1]}


async def bench(args: argparse.Namespace, sshd_port: int, silent_port: int) -> dict[str, Any]:
    # Imported here: the plugin must be installed (setup.sh installs every plugins/*).
    from sshgate_monitoring.prober import Prober

    with tempfile.TemporaryDirectory(prefix="sshgate-bench-monitor-") as folder:
        app = build_app(Path(folder), args)
        async with TestApp(app, startup_timeout=120, shutdown_timeout=60):
            plan = ["silent"] * args.silent + ["closed"] * args.closed
            plan += ["sshd"] * (args.servers - len(plan))
            for i, kind in enumerate(plan):
                port = {"sshd": sshd_port, "silent": silent_port}.get(kind) or closed_port()
                await register_server(app, Where("127.0.0.1", port), name=f"{kind}-{i}")
            idle = Sampler(app)
            _, idle_cpu = await idle.during(asyncio.sleep(args.idle))
            rounds = []
            prober = Prober(app)
            for _ in range(args.rounds):
                sampler = Sampler(app)
                took, cpu = await sampler.during(prober.round())
                rounds.append(
                    {
                        "seconds": took,
                        "cpu_seconds": cpu,
                        "lag_ms": summary(sampler.lag),
                        "health_ms": summary(sampler.health),
                        "lag_samples": sampler.lag,
                    }
                )
            results = await states(app)
            await prober.close()
    return {
        "idle": {
            "seconds": args.idle,
            "cpu_seconds": idle_cpu,
            "lag_ms": summary(idle.lag),
            "health_ms": summary(idle.health),
        },
        "loadavg_after": list(os.getloadavg()),
        "rounds": rounds,
        "results": results,
    }


async def states(app: Quart) -> dict[str, int]:
    from sqlalchemy import select
    from sshgate_monitoring.models import ServerStatus

    from sshgate.api import db_session

    async with db_session(app) as session:
        rows = (await session.execute(select(ServerStatus.state, ServerStatus.reason))).all()
    return dict(Counter(f"{state}:{reason or '-'}" for state, reason in rows))


def table(args: argparse.Namespace, found: dict[str, Any]) -> str:
    lines = [
        f"# Monitoring probe round: {args.servers} servers, concurrency {args.concurrency}, "
        f"timeout {args.timeout:g} s",
        "",
        f"{args.servers - args.closed - args.silent} on OpenSSH (banner), {args.closed} closed "
        f"ports, {args.silent} silent (time out). Loop lag: how late a {TICK * 1000:g} ms sleep "
        f"wakes; health: GET /api/health through the app every {HEALTH_EVERY * 1000:g} ms.",
        "",
        "| phase | duration s | CPU s | lag p50 ms | lag p99 ms | lag max ms | health p50 ms "
        "| health p99 ms | health max ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    idle = found["idle"]
    phases = [("idle", idle)] + [(f"round {i + 1}", r) for i, r in enumerate(found["rounds"])]
    for name, data in phases:
        lag, health = data["lag_ms"], data["health_ms"]
        lines.append(
            f"| {name} | {data['seconds']:.1f} | {data['cpu_seconds']:.2f} "
            f"| {lag['p50']:.2f} | {lag['p99']:.2f} | {lag['max']:.1f} "
            f"| {health['p50']:.1f} | {health['p99']:.1f} | {health['max']:.1f} |"
        )
    load = ", ".join(f"{x:.2f}" for x in found["loadavg_after"])
    lines += [
        "",
        f"Load average afterwards: {load} ({os.cpu_count()} CPUs; the machine is shared, and "
        "sshd's children run on the same cores).",
        "",
        "Results of the last round: "
        + ", ".join(f"{k} {v}" for k, v in sorted(found["results"].items())),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    sshd = BenchSSHD()
    sshd.start()
    try:
        with silent_socket() as silent_port:
            found = asyncio.run(bench(args, sshd.port, silent_port))
    finally:
        sshd.stop()
    text = table(args, found)
    sys.stdout.write(text)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    (args.out / f"monitor-{stamp}.md").write_text(text)
    (args.out / f"monitor-{stamp}.json").write_text(
        json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, **found}, indent=1)
    )
    expected_online = args.servers - args.closed - args.silent
    online = found["results"].get("online:-", 0)
    if online != expected_online:
        print(f"expected {expected_online} online, found {found['results']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
