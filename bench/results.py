"""Samples per (row, system), their summary (median, min-max, IQR) and ratios."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Row:
    """One line of the table: a metric of a scenario, measured on several systems."""

    key: str  # stable id, e.g. "throughput.zeros.deflate.mbps"
    scenario: str  # "1 throughput"
    label: str  # what a reader sees
    unit: str
    higher_is_better: bool
    reference: str | None = None  # ratios are value / value of this system (None: no ratio)
    samples: dict[str, list[float]] = field(default_factory=dict)
    na: dict[str, str] = field(default_factory=dict)  # system -> reason
    notes: dict[str, str] = field(default_factory=dict)  # system -> footnote

    def add(self, system: str, value: float) -> None:
        self.samples.setdefault(system, []).append(float(value))

    def median(self, system: str) -> float | None:
        values = self.samples.get(system)
        return statistics.median(values) if values else None

    def ratio(self, system: str) -> float | None:
        if self.reference is None or system == self.reference:
            return None
        mine, ref = self.median(system), self.median(self.reference)
        if mine is None or not ref:
            return None
        return mine / ref


def summary(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    out: dict[str, Any] = {
        "n": len(ordered),
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "samples": values,
    }
    if len(ordered) >= 4:
        q = statistics.quantiles(ordered, n=4, method="inclusive")
        out["q1"], out["q3"] = q[0], q[2]
    return out


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 500 samples is the 495th smallest)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no samples")
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


class Results:
    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.failures: list[str] = []  # runs that errored, with the reason
        self.meta: dict[str, Any] = {}
        self.checks: list[tuple[str, bool]] = []  # byte-exactness checks (smoke mode)

    def check(self, what: str, ok: bool) -> None:
        self.checks.append((what, ok))
        if not ok:
            self.failures.append(f"{what}: bytes differ from the expected output")

    def row(
        self,
        key: str,
        scenario: str,
        label: str,
        unit: str,
        *,
        higher_is_better: bool,
        reference: str | None = None,
    ) -> Row:
        if key not in self.rows:
            self.rows[key] = Row(key, scenario, label, unit, higher_is_better, reference)
        return self.rows[key]

    def mark_na(self, prefix: str, system: str, reason: str) -> None:
        """Every row whose key starts with ``prefix``: n/a for ``system``."""
        for key, row in self.rows.items():
            if key.startswith(prefix) and system not in row.samples:
                row.na[system] = reason

    def to_json(self) -> dict[str, Any]:
        rows = []
        for row in self.rows.values():
            rows.append(
                {
                    "key": row.key,
                    "scenario": row.scenario,
                    "label": row.label,
                    "unit": row.unit,
                    "higher_is_better": row.higher_is_better,
                    "reference": row.reference,
                    "systems": {
                        s: {**summary(v), "ratio": row.ratio(s)} for s, v in row.samples.items()
                    },
                    "na": row.na,
                    "notes": row.notes,
                }
            )
        return {
            "meta": self.meta,
            "rows": rows,
            "failures": self.failures,
            "checks": [{"what": what, "ok": ok} for what, ok in self.checks],
        }
