"""3. Session start: from opening the connection (WebSocket, or ssh/asyncssh for the raw
references) to the first byte of terminal output; then a burst of terminals opened at once,
all of which must succeed."""

from __future__ import annotations

import asyncio
import time

from ..context import Bench, close
from ..terminals import Terminal

SCENARIO = "3 session start"


async def run(bench: Bench) -> None:
    results = bench.results
    results.row(
        "start.p50",
        SCENARIO,
        "open to first output byte: p50 ms (ratio to asyncssh)",
        "ms",
        higher_is_better=False,
        reference="asyncssh",
    )
    burst = bench.sizes.burst
    results.row(
        "start.burst.ok",
        SCENARIO,
        f"burst of {burst} opened at once: succeeded",
        "sessions",
        higher_is_better=True,
    )
    results.row(
        "start.burst.seconds",
        SCENARIO,
        f"burst of {burst}: s until all printed (ratio to asyncssh)",
        "s",
        higher_is_better=False,
        reference="asyncssh",
    )
    for repeat in range(bench.sizes.repeats):
        for system in bench.systems:
            for _ in range(bench.sizes.start_opens):
                await bench.attempt(
                    f"start {system} #{repeat + 1}", lambda s=system: _one(bench, s)
                )
    for system in bench.systems:
        await bench.attempt(f"burst {system}", lambda s=system: _burst(bench, s))


async def _first_output(bench: Bench, system: str) -> tuple[Terminal, float]:
    start = time.perf_counter()
    term = await bench.open(system, deflate=True, wait_ready=False)
    try:
        if not await asyncio.wait_for(term.read(), 60):
            raise EOFError("terminal closed before printing anything")
    except BaseException:
        await close(term)
        raise
    return term, time.perf_counter() - start


async def _one(bench: Bench, system: str) -> None:
    term, seconds = await _first_output(bench, system)
    await close(term)
    bench.results.rows["start.p50"].add(system, seconds * 1e3)


async def _burst(bench: Bench, system: str) -> None:
    n = bench.sizes.burst
    start = time.perf_counter()
    outcomes = await asyncio.gather(
        *(_first_output(bench, system) for _ in range(n)), return_exceptions=True
    )
    seconds = time.perf_counter() - start
    opened = [o for o in outcomes if isinstance(o, tuple)]
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    await asyncio.gather(*(close(term) for term, _ in opened))
    bench.results.rows["start.burst.ok"].add(system, len(opened))
    if not errors:
        bench.results.rows["start.burst.seconds"].add(system, seconds)
    else:
        reasons = sorted({f"{type(e).__name__}: {e}"[:160] for e in errors})
        bench.results.rows["start.burst.ok"].notes[system] = "; ".join(reasons[:2])
        bench.results.failures.append(f"burst {system}: {len(errors)} of {n} failed: {reasons}")
    bench.log(f"  burst  {system:8} {len(opened)}/{n} in {seconds:.2f} s")
