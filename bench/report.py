"""The Markdown table (scenario x system, median [min-max] and ratio), the issue's targets
checked against sshgate's numbers, and the raw JSON next to it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .results import Results, Row

SYSTEM_TITLES = {
    "ssh": "raw OpenSSH (`ssh -tt`/`sftp`)",
    "asyncssh": "raw asyncssh",
    "sshgate": "**sshgate**",
    "sshgate-rec": "**sshgate, recording on**",
    "webssh": "webssh",
    "webgate": "webgate",
}


def number(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def cell(row: Row, system: str, footnotes: dict[str, int]) -> str:
    values = row.samples.get(system)
    if not values:
        reason = row.na.get(system)
        if reason is None:
            return "-"
        index = footnotes.setdefault(reason, len(footnotes) + 1)
        return f"n/a ({index})"
    median = row.median(system)
    assert median is not None
    text = number(median)
    if len(values) > 1 and min(values) != max(values):
        text += f" [{number(min(values))}-{number(max(values))}]"
    ratio = row.ratio(system)
    if ratio is not None:
        text += f" **{ratio:.2f}x**"
    note = row.notes.get(system)
    if note:
        index = footnotes.setdefault(note, len(footnotes) + 1)
        text += f" ({index})"
    return text


def table(results: Results, systems: list[str]) -> str:
    footnotes: dict[str, int] = {}
    header = ["scenario", "metric", *(SYSTEM_TITLES.get(s, s) for s in systems)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    last = ""
    for row in results.rows.values():
        scenario = row.scenario if row.scenario != last else ""
        last = row.scenario
        cells = [cell(row, s, footnotes) for s in systems]
        lines.append("| " + " | ".join([scenario, row.label, *cells]) + " |")
    if footnotes:
        lines.append("")
        lines += [f"({index}) {text}" for text, index in footnotes.items()]
    return "\n".join(lines)


@dataclass
class Target:
    text: str
    check: Callable[[Results], tuple[bool | None, str]]  # (met? None: not measured, detail)


def _median(results: Results, key: str, system: str) -> float | None:
    row = results.rows.get(key)
    return row.median(system) if row else None


def _ratio_target(
    key: str, system: str, ref: str, bound: float, *, at_least: bool
) -> Callable[[Results], tuple[bool | None, str]]:
    def check(results: Results) -> tuple[bool | None, str]:
        mine, theirs = _median(results, key, system), _median(results, key, ref)
        if mine is None or not theirs:
            return None, "not measured"
        ratio = mine / theirs
        ok = ratio >= bound if at_least else ratio <= bound
        return ok, f"{number(mine)} vs {ref} {number(theirs)}: {ratio:.2f}x"

    return check


def _absolute(
    key: str, bound: float, unit: str, *, at_least: bool = False, system: str = "sshgate"
) -> Callable[[Results], tuple[bool | None, str]]:
    def check(results: Results) -> tuple[bool | None, str]:
        mine = _median(results, key, system)
        if mine is None:
            return None, "not measured"
        ok = mine >= bound if at_least else mine <= bound
        return ok, f"{number(mine)} {unit}"

    return check


def _echo_p50(results: Results) -> tuple[bool | None, str]:
    mine, raw = _median(results, "echo.p50", "sshgate"), _median(results, "echo.p50", "asyncssh")
    if mine is None or raw is None:
        return None, "not measured"
    return mine <= raw + 0.5, f"{number(mine)} ms vs asyncssh {number(raw)} ms + 0.5"


def _burst(results: Results) -> tuple[bool | None, str]:
    row = results.rows.get("start.burst.ok")
    if row is None or not row.samples.get("sshgate"):
        return None, "not measured"
    wanted = row.label.split("burst of ")[1].split(" ")[0]
    got = min(row.samples["sshgate"])
    return got >= float(wanted), f"{got:.0f} of {wanted}"


def _threads(results: Results) -> tuple[bool | None, str]:
    row = results.rows.get("idle.threads")
    opened = _median(results, "idle.opened", "sshgate")
    if row is None or not row.samples.get("sshgate") or not opened:
        return None, "not measured"
    after = row.median("sshgate") or 0
    before = float(row.notes.get("sshgate", "0 before").split()[0])
    return after - before < opened / 10, f"{before:.0f} -> {after:.0f} threads"


def targets(results: Results) -> list[Target]:
    out = []
    for load in ("zeros", "random", "text"):
        for on in ("on", "off"):
            out.append(
                Target(
                    f"throughput {load}, deflate {on} >= 0.9x ssh -tt",
                    _ratio_target(
                        f"throughput.{load}.{on}.mbps", "sshgate", "ssh", 0.9, at_least=True
                    ),
                )
            )
        out.append(
            Target(
                f"gateway CPU per 100 MB ({load}, deflate on) <= 0.5x webssh's",
                _ratio_target(
                    f"throughput.{load}.on.cpu", "sshgate", "webssh", 0.5, at_least=False
                ),
            )
        )
    out += [
        Target("echo p50 <= raw asyncssh p50 + 0.5 ms", _echo_p50),
        Target(
            "echo p99 <= 2x raw ssh p99",
            _ratio_target("echo.p99", "sshgate", "ssh", 2.0, at_least=False),
        ),
        Target(
            "SFTP download >= 0.7x sftp get",
            _ratio_target("sftp.download.mbps", "sshgate", "ssh", 0.7, at_least=True),
        ),
        Target(
            "SFTP upload >= 0.6x sftp put",
            _ratio_target("sftp.upload.mbps", "sshgate", "ssh", 0.6, at_least=True),
        ),
        Target("SFTP download RSS growth < 64 MB", _absolute("sftp.download.rss", 64, "MB")),
        Target("SFTP upload RSS growth < 64 MB", _absolute("sftp.upload.rss", 64, "MB")),
        Target("idle session <= 64 KiB of gateway memory each", _absolute("idle.rss", 64, "KiB")),
        Target("no thread per session", _threads),
        Target(
            "idle CPU < 1% of a core (at the smaller idle count)",
            _absolute("idle.cpu.first", 1.0, "%"),
        ),
        Target("slow consumer growth < 4 MiB", _absolute("slow.rss", 4, "MiB")),
        Target(
            "session start p50 <= 1.3x direct asyncssh",
            _ratio_target("start.p50", "sshgate", "asyncssh", 1.3, at_least=False),
        ),
        Target("burst of terminal opens all succeed", _burst),
        Target(
            "fan-out: slowest client >= 0.8x lone owner",
            _absolute("fanout.slowest", 0.8, "x", at_least=True),
        ),
        Target(
            "fan-out: a joiner that never reads leaves the owner >= 0.8x",
            _absolute("fanout.slow", 0.8, "x", at_least=True),
        ),
    ]
    return out


def targets_markdown(results: Results) -> str:
    lines = ["| target (issue 9) | sshgate | met |", "|---|---|---|"]
    for target in targets(results):
        ok, detail = target.check(results)
        mark = "-" if ok is None else ("yes" if ok else "**no**")
        lines.append(f"| {target.text} | {detail} | {mark} |")
    return "\n".join(lines)


def markdown(results: Results, systems: list[str]) -> str:
    meta = results.meta
    head = [
        f"# sshgate benchmark ({meta.get('mode', '?')} run)",
        "",
        f"{meta.get('date', '')}, {meta.get('nproc', '?')} CPUs ({meta.get('cpu', '?')}), "
        f"Linux {meta.get('kernel', '?')}, Python {meta.get('python', '?')}, "
        f"{meta.get('repeats', '?')} interleaved repeats, {meta.get('seconds', 0):.0f} s.",
        "Cells: median [min-max] of the repeats, **ratio** to the row's reference (named in "
        "the metric; raw `ssh -tt` unless stated).",
        "",
        table(results, systems),
        "",
        "## Targets",
        "",
        targets_markdown(results),
    ]
    versions = meta.get("versions")
    if versions:
        head += ["", "Versions: " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))]
    if results.failures:
        head += ["", "## Failed runs", ""] + [f"- {f}" for f in results.failures]
    return "\n".join(head) + "\n"


def write(results: Results, systems: list[str], out_dir: Path, stamp: str) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    md_path = out_dir / f"bench-{stamp}.md"
    json_path = out_dir / f"bench-{stamp}.json"
    md_path.write_text(markdown(results, systems))
    json_path.write_text(json.dumps(results.to_json(), indent=1))
    for name, path in (("latest.md", md_path), ("latest.json", json_path)):
        link = out_dir / name
        link.unlink(missing_ok=True)
        link.write_text(path.read_text())
    return md_path, json_path
