"""7. Fan-out: one owner and N read-only joiners (through the gateway's share links) on one
big output. Per-client throughput relative to a lone owner; then a joiner that never reads,
which must not slow the owner down. All clients here run with permessage-deflate off, so
that the single client process (which reads N+1 copies) is not what is measured."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from typing import Any

from ..context import Bench, close
from ..terminals import Terminal, marker_command

SCENARIO = "7 fan-out"


@dataclass
class Outcome:
    bytes: int
    seconds: float
    done: bool  # saw the marker (else: dropped or timed out)


async def run(bench: Bench) -> None:
    s = bench.sizes
    results = bench.results
    mb = f"{s.fanout_out / 1e6:g} MB"
    results.row(
        "fanout.lone", SCENARIO, f"{mb} to a lone owner: MB/s", "MB/s", higher_is_better=True
    )
    results.row(
        "fanout.owner",
        SCENARIO,
        f"owner with {s.joiners} read-only joiners: MB/s",
        "MB/s",
        higher_is_better=True,
    )
    results.row("fanout.median", SCENARIO, "median client / lone owner", "x", higher_is_better=True)
    results.row(
        "fanout.slowest", SCENARIO, "slowest client / lone owner", "x", higher_is_better=True
    )
    results.row(
        "fanout.dropped", SCENARIO, "joiners dropped or stalled", "clients", higher_is_better=False
    )
    results.row(
        "fanout.client",
        SCENARIO,
        "the one client process reading owner + joiners: CPU, % of a core",
        "%",
        higher_is_better=False,
    )
    results.row(
        "fanout.slow",
        SCENARIO,
        "owner with one joiner that never reads / lone owner",
        "x",
        higher_is_better=True,
    )
    systems = []
    for system in bench.systems:
        gateway = bench.gateways.get(system)
        if gateway is None:
            results.mark_na("fanout.", system, "no session sharing")
        elif gateway.caps.share:
            results.mark_na("fanout.", system, gateway.caps.share)
        else:
            systems.append(system)
    command = f"head -c {s.fanout_out * 3 // 4} /dev/zero | base64"
    for repeat in range(s.repeats):
        for system in systems:
            await bench.attempt(
                f"fan-out {system} #{repeat + 1}", lambda sy=system: _one(bench, sy, command)
            )


async def _one(bench: Bench, system: str, command: str) -> None:
    lone = await _lone(bench, system, command)
    limit = max(20.0, lone.seconds * 10)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    owner, joiners = await _with_joiners(bench, system, command, limit)
    client_cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0) * 100
    slow = await _with_slow_joiner(bench, system, command, limit)
    rows = bench.results.rows
    lone_rate = lone.bytes / lone.seconds
    rates = [o.bytes / o.seconds for o in [owner, *joiners]]
    dropped = sum(not j.done for j in joiners)
    rows["fanout.lone"].add(system, lone_rate / 1e6)
    rows["fanout.owner"].add(system, owner.bytes / owner.seconds / 1e6)
    rows["fanout.median"].add(system, statistics.median(rates) / lone_rate)
    rows["fanout.slowest"].add(system, min(rates) / lone_rate)
    rows["fanout.dropped"].add(system, dropped)
    rows["fanout.client"].add(system, client_cpu)
    slow_ratio = (slow.bytes / slow.seconds) / lone_rate
    rows["fanout.slow"].add(system, slow_ratio)
    if not slow.done:
        rows["fanout.slow"].notes[system] = (
            f"owner stalled: {slow.bytes / 1e6:.1f} MB in {slow.seconds:.0f} s"
        )
    bench.log(
        f"  fanout {system:8} lone {lone_rate / 1e6:6.1f} MB/s, owner+{len(joiners)} "
        f"{rates[0] / 1e6:6.1f}, median client {statistics.median(rates) / 1e6:6.1f}, "
        f"slowest {min(rates) / 1e6:6.1f}, dropped {dropped}; with a non-reading "
        f"joiner the owner gets {slow_ratio:.2f}x"
    )


async def _lone(bench: Bench, system: str, command: str) -> Outcome:
    owner = await bench.open(system, deflate=False)
    try:
        line, marker = marker_command(command)
        start = time.perf_counter()
        await owner.write(line)
        return await _receive(owner, marker, start, 600)
    finally:
        await close(owner)


async def _share(bench: Bench, system: str, owner: Terminal, count: int) -> list[Terminal]:
    gateway: Any = bench.gateways[system]
    hello = getattr(owner, "hello", {})
    token = await gateway.share(str(hello.get("id") or hello.get("session_id")), "ro")
    return list(await asyncio.gather(*(gateway.join(token, deflate=False) for _ in range(count))))


async def _with_joiners(
    bench: Bench, system: str, command: str, limit: float
) -> tuple[Outcome, list[Outcome]]:
    owner = await bench.open(system, deflate=False)
    joiners: list[Terminal] = []
    try:
        joiners = await _share(bench, system, owner, bench.sizes.joiners)
        line, marker = marker_command(command)
        start = time.perf_counter()
        readers = [asyncio.ensure_future(_receive(j, marker, start, limit)) for j in joiners]
        await asyncio.sleep(0)
        await owner.write(line)
        owned = await _receive(owner, marker, start, limit)
        return owned, list(await asyncio.gather(*readers))
    finally:
        await asyncio.gather(*(j.close() for j in joiners), return_exceptions=True)
        await close(owner)


async def _with_slow_joiner(bench: Bench, system: str, command: str, limit: float) -> Outcome:
    owner = await bench.open(system, deflate=False)
    joiners: list[Terminal] = []
    try:
        joiners = await _share(bench, system, owner, 1)
        for joiner in joiners:
            # Never read from it, not even in the client library: with the socket paused the
            # gateway's frames fill the kernel buffers and stop, and this process (which also
            # reads the owner) spends nothing on the joiner.
            joiner.ws.transport.pause_reading()
        line, marker = marker_command(command)
        start = time.perf_counter()
        await owner.write(line)
        return await _receive(owner, marker, start, limit)
    finally:
        await asyncio.gather(*(j.close() for j in joiners), return_exceptions=True)
        await close(owner)


STALL = 5.0  # seconds without a byte: the client is stalled (webgate's owner, behind a joiner)


async def _receive(term: Terminal, marker: bytes, start: float, limit: float) -> Outcome:
    """Bytes until ``marker``; on a drop, a stall or after ``limit`` seconds, what came so
    far (the rate then counts the time spent waiting)."""
    received = 0
    tail = b""

    async def pump() -> bool:
        nonlocal received, tail
        while True:
            try:
                chunk = await asyncio.wait_for(term.read(), STALL)
            except TimeoutError:
                return False
            if not chunk:
                return False
            received += len(chunk)
            window = tail + chunk
            if marker in window:
                return True
            tail = window[-len(marker) :]

    try:
        done = await asyncio.wait_for(pump(), max(0.1, limit - (time.perf_counter() - start)))
    except TimeoutError:
        done = False
    return Outcome(received, time.perf_counter() - start, done)
