"""2. Keystroke echo latency: single keys into ``stty raw -echo; cat``, a fixed gap apart;
each key's round trip is the time from sending it to reading it back."""

from __future__ import annotations

import asyncio
import time

from ..context import Bench, close
from ..results import percentile
from ..terminals import Terminal, marker_command, read_until

SCENARIO = "2 echo"
KEYS = b"abcdefghijklmnopqrstuvwxyz0123456789"


async def run(bench: Bench) -> None:
    results = bench.results
    n = bench.sizes.echo_keys
    results.row(
        "echo.p50",
        SCENARIO,
        f"{n} keys {bench.sizes.echo_gap * 1e3:g} ms apart: p50 round trip ms (ratio to asyncssh)",
        "ms",
        higher_is_better=False,
        reference="asyncssh",
    )
    results.row(
        "echo.p99",
        SCENARIO,
        "p99 round trip ms (ratio to ssh)",
        "ms",
        higher_is_better=False,
        reference="ssh",
    )
    for repeat in range(bench.sizes.repeats):
        for system in bench.systems:
            await bench.attempt(f"echo {system} #{repeat + 1}", lambda s=system: _one(bench, s))


async def _one(bench: Bench, system: str) -> None:
    term = await bench.open(system, deflate=True)
    try:
        line, marker = marker_command("stty raw -echo")
        await term.write(line.replace(b"\r", b"; cat\r"))
        await read_until(term, marker, within=60)
        times = await _keys(term, bench.sizes.echo_keys, bench.sizes.echo_gap)
    finally:
        await close(term)
    p50, p99 = percentile(times, 50) * 1e3, percentile(times, 99) * 1e3
    bench.results.rows["echo.p50"].add(system, p50)
    bench.results.rows["echo.p99"].add(system, p99)
    bench.log(f"  echo   {system:8} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")


async def _keys(term: Terminal, count: int, gap: float) -> list[float]:
    times: list[float] = []
    pending = b""
    next_at = time.perf_counter()
    for i in range(count):
        key = KEYS[i % len(KEYS) : i % len(KEYS) + 1]
        delay = next_at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        start = time.perf_counter()
        await term.write(key)
        while key not in pending:
            chunk = await asyncio.wait_for(term.read(), 10)
            if not chunk:
                raise EOFError("terminal closed during the echo test")
            pending += chunk
        times.append(time.perf_counter() - start)
        pending = pending[pending.index(key) + 1 :]
        next_at = time.perf_counter() + gap
    return times
