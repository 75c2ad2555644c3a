"""6. Slow consumer: the remote prints without end (``base64 /dev/urandom``) to a client that
has stopped reading. A gateway with flow control stops reading SSH and stays flat; one
without buffers everything. Gateway RSS growth over the window (and its CPU meanwhile)."""

from __future__ import annotations

import asyncio
import time

from .. import procstat
from ..context import Bench, close
from ..terminals import marker_command, read_until

SCENARIO = "6 slow consumer"


async def run(bench: Bench) -> None:
    s = bench.sizes
    results = bench.results
    results.row(
        "slow.rss",
        SCENARIO,
        f"client stops reading for {s.slow_seconds:g} s: gateway RSS growth MiB",
        "MiB",
        higher_is_better=False,
    )
    results.row(
        "slow.cpu", SCENARIO, "gateway CPU meanwhile, % of a core", "%", higher_is_better=False
    )
    for system in bench.systems:
        if system not in bench.gateways:
            results.mark_na("slow.", system, "no gateway process")
    # All gateways at once: a flow-controlled one sits idle anyway, and the run is 30 s
    # instead of 90 (each gateway is its own process; only its own RSS is sampled).
    await asyncio.gather(
        *(
            bench.attempt(f"slow consumer {system}", lambda s=system: _one(bench, s))
            for system in bench.gateway_systems()
        )
    )


async def _one(bench: Bench, system: str) -> None:
    pid = bench.gateways[system].pid
    term = await bench.open(system, deflate=True)
    try:
        line, marker = marker_command("true")
        await term.write(line.replace(b"\r", b"; base64 /dev/urandom\r"))
        await read_until(term, marker, within=60)  # output is flowing now
        await asyncio.sleep(min(0.5, bench.sizes.settle))
        start = procstat.sample(pid)
        t0 = time.perf_counter()
        with procstat.PeakRSS(pid, interval=0.1) as peak:
            await asyncio.sleep(bench.sizes.slow_seconds)  # ... and nobody reads it
        seconds = time.perf_counter() - t0
        cpu = (procstat.sample(pid).cpu - start.cpu) / seconds * 100
    finally:
        await close(term)
    growth = (peak.peak - start.rss) / (1 << 20)
    bench.results.rows["slow.rss"].add(system, growth)
    bench.results.rows["slow.cpu"].add(system, cpu)
    bench.log(f"  slow   {system:8} RSS +{growth:.1f} MiB over {seconds:.0f} s, CPU {cpu:.0f}%")
