"""5. Idle sessions: many open, idle terminal sessions in one gateway process. Gateway RSS
per session (growth over a fresh, warmed-up process, divided by the count), threads, and the
CPU the gateway burns while nothing happens (percent of one core)."""

from __future__ import annotations

import asyncio
import time

from .. import procstat
from ..context import Bench, close
from ..terminals import Terminal

SCENARIO = "5 idle sessions"
OPEN_CONCURRENCY = 20


async def run(bench: Bench) -> None:
    s = bench.sizes
    results = bench.results
    results.row(
        "idle.rss",
        SCENARIO,
        f"{s.idle_sessions} idle sessions: gateway RSS KiB per session",
        "KiB",
        higher_is_better=False,
    )
    results.row(
        "idle.cpu.first",
        SCENARIO,
        f"idle CPU at {s.idle_first} sessions (over {s.idle_first_window:g} s), % of a core",
        "%",
        higher_is_better=False,
    )
    results.row(
        "idle.cpu",
        SCENARIO,
        f"idle CPU at {s.idle_sessions} sessions (over {s.idle_window:g} s), % of a core",
        "%",
        higher_is_better=False,
    )
    results.row(
        "idle.threads",
        SCENARIO,
        f"gateway threads at {s.idle_sessions} sessions (before: in note)",
        "threads",
        higher_is_better=False,
    )
    results.row(
        "idle.opened", SCENARIO, "sessions actually opened", "sessions", higher_is_better=True
    )
    for system in bench.systems:
        if system not in bench.gateways:
            results.mark_na("idle.", system, "no gateway process")
    for system in bench.gateway_systems():
        await bench.attempt(f"idle {system}", lambda s=system: _one(bench, s))


async def _open_many(bench: Bench, system: str, count: int, into: list[Terminal]) -> None:
    gate = asyncio.Semaphore(OPEN_CONCURRENCY)
    errors: list[BaseException] = []

    async def one() -> None:
        async with gate:
            try:
                into.append(await bench.open(system, deflate=True))
            except Exception as exc:
                errors.append(exc)

    if count and not into:
        # One first, alone: webssh loses sessions when the first logins from an address
        # race (its per-address table is created after an await); a burst of opens is
        # scenario 3's business, not this one's.
        await one()
        count -= 1
    await asyncio.gather(*(one() for _ in range(count)))
    if errors:
        bench.results.failures.append(
            f"idle {system}: {len(errors)} opens failed, first: {errors[0]!r:.200}"
        )


async def _idle_cpu(pid: int, seconds: float) -> float:
    before = procstat.sample(pid).cpu
    start = time.perf_counter()
    await asyncio.sleep(seconds)
    return (procstat.sample(pid).cpu - before) / (time.perf_counter() - start) * 100


async def _one(bench: Bench, system: str) -> None:
    s = bench.sizes
    pid = bench.gateways[system].pid
    terms: list[Terminal] = []
    # Warm up: the first sessions import code and fill caches once per process.
    await _open_many(bench, system, 3, terms)
    await asyncio.gather(*(close(t) for t in terms))
    terms.clear()
    await asyncio.sleep(s.settle)
    base = procstat.sample(pid)
    try:
        await _open_many(bench, system, s.idle_first, terms)
        await asyncio.sleep(s.settle)
        # Over one full period of the gateways' per-session timers (sshgate re-checks each
        # socket's login every 30 s, Hypercorn pings every 20 s): a shorter window right
        # after opening would see none of them fire.
        cpu_first = await _idle_cpu(pid, s.idle_first_window)
        await _open_many(bench, system, s.idle_sessions - len(terms), terms)
        await asyncio.sleep(s.settle)
        cpu = await _idle_cpu(pid, s.idle_window)
        after = procstat.sample(pid)
    finally:
        await _close_all(terms)
    opened = len(terms)
    per_session = (after.rss - base.rss) / max(opened, 1) / 1024
    results = bench.results
    results.rows["idle.rss"].add(system, per_session)
    results.rows["idle.cpu.first"].add(system, cpu_first)
    results.rows["idle.cpu"].add(system, cpu)
    results.rows["idle.threads"].add(system, after.threads)
    results.rows["idle.threads"].notes[system] = f"{base.threads} before"
    results.rows["idle.opened"].add(system, opened)
    bench.log(
        f"  idle   {system:8} {opened} sessions: {per_session:6.1f} KiB each, "
        f"CPU {cpu_first:.2f}% / {cpu:.2f}%, threads {base.threads} -> {after.threads}"
    )


async def _close_all(terms: list[Terminal]) -> None:
    gate = asyncio.Semaphore(50)

    async def one(term: Terminal) -> None:
        async with gate:
            await close(term)

    await asyncio.gather(*(one(t) for t in terms))
