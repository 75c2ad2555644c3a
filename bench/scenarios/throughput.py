"""1. Terminal throughput: a PTY command printing tens of MB, read until the prompt returns.

Three workloads: ``head -c N /dev/zero | base64`` (the issue's; it compresses ~1000x under
permessage-deflate), ``base64`` of a random file (compresses ~25%), ``cat`` of a text file.
Gateways run with deflate on (what a browser negotiates) and off. Besides MB/s, the gateway
process's CPU seconds per 100 MB of output.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from .. import procstat
from ..context import Bench, close
from ..terminals import Terminal
from ..terminals import run as run_command

SCENARIO = "1 throughput"


@dataclass(frozen=True)
class Workload:
    name: str
    label: str
    command: str
    expected: bytes | None  # the exact output bytes, when checked (smoke)


def workloads(bench: Bench, check: bool) -> list[Workload]:
    s = bench.sizes
    random_file, text_file = bench.files["random"], bench.files["text"]

    def tty(data: bytes) -> bytes:  # what the PTY's onlcr makes of it
        return data.replace(b"\n", b"\r\n")

    return [
        Workload(
            "zeros",
            f"base64 of {s.zeros_in / 1e6:g} MB of zeros",
            f"head -c {s.zeros_in} /dev/zero | base64",
            tty(base64.encodebytes(bytes(s.zeros_in))) if check else None,
        ),
        Workload(
            "random",
            f"base64 of a {s.random_in / 1e6:g} MB random file",
            f"base64 {random_file}",
            tty(base64.encodebytes(random_file.read_bytes())) if check else None,
        ),
        Workload(
            "text",
            f"cat of a {s.text_size / 1e6:g} MB text file",
            f"cat {text_file}",
            tty(text_file.read_bytes()) if check else None,
        ),
    ]


def variants(bench: Bench) -> list[tuple[str, bool]]:
    """(system, deflate offered). Raw systems have no WebSocket: measured once, shown in both
    the deflate-on and deflate-off rows; webssh never accepts deflate: the same."""
    out: list[tuple[str, bool]] = []
    for system in bench.systems:
        out.append((system, True))
        if system in ("sshgate", "sshgate-rec", "webgate"):
            out.append((system, False))
    return out


async def run(bench: Bench) -> None:
    check = bench.sizes.mode == "smoke"
    loads = workloads(bench, check)
    results = bench.results
    for load in loads:
        for deflate in (True, False):
            on = "on" if deflate else "off"
            results.row(
                f"throughput.{load.name}.{on}.mbps",
                SCENARIO,
                f"{load.label}, deflate {on}: MB/s",
                "MB/s",
                higher_is_better=True,
                reference="ssh",
            )
            results.row(
                f"throughput.{load.name}.{on}.cpu",
                SCENARIO,
                f"{load.label}, deflate {on}: gateway CPU s per 100 MB (ratio to webssh)",
                "s",
                higher_is_better=False,
                reference="webssh",
            )
    # Interleaved: every variant runs the three workloads (in one terminal), then the next
    # variant, and the whole round repeats.
    for repeat in range(bench.sizes.repeats):
        for system, deflate in variants(bench):
            await bench.attempt(
                f"throughput {system} deflate={deflate} #{repeat + 1}",
                lambda s=system, d=deflate: _variant(bench, loads, s, d),
            )
    for system in bench.systems:
        if system not in bench.gateways:
            results.mark_na("throughput.", system, "no gateway")


async def _variant(bench: Bench, loads: list[Workload], system: str, deflate: bool) -> None:
    term = await bench.open(system, deflate=deflate)
    try:
        for load in loads:
            await _one(bench, term, load, system, deflate)
    finally:
        await close(term)


async def _one(bench: Bench, term: Terminal, load: Workload, system: str, deflate: bool) -> None:
    gateway = bench.gateways.get(system)
    cpu0 = procstat.sample(gateway.pid).cpu if gateway else 0.0
    result = await run_command(term, load.command, keep=load.expected is not None)
    cpu1 = procstat.sample(gateway.pid).cpu if gateway else 0.0
    negotiated = bool(getattr(term, "deflate", False))
    if load.expected is not None:
        ok = result.data is not None and load.expected in result.data
        bench.results.check(f"throughput {load.name} via {system} deflate={deflate}", ok)
    mbps = result.bytes / result.seconds / 1e6
    cpu = (cpu1 - cpu0) / result.bytes * 100e6
    rows = (
        ["on", "off"] if (gateway is None or system == "webssh") else ["on" if deflate else "off"]
    )
    for on in rows:
        row = bench.results.rows[f"throughput.{load.name}.{on}.mbps"]
        row.add(system, mbps)
        if gateway is not None:
            bench.results.rows[f"throughput.{load.name}.{on}.cpu"].add(system, cpu)
        if gateway is not None and deflate and not negotiated:
            row.notes[system] = "server does not negotiate permessage-deflate"
    bench.log(
        f"  {load.name:6} {system:8} deflate={'on ' if negotiated else 'off'} "
        f"{mbps:7.1f} MB/s  cpu {cpu:5.2f} s/100MB  ({result.bytes} B)"
    )
