"""``/metrics`` for N workers: per-worker aggregation through the database.

Why not prometheus-client's multiprocess mode: it needs ``PROMETHEUS_MULTIPROC_DIR`` set
before the library is imported in every worker, one directory shared by all of them, and
so works only for workers of one host; sshgate's HA deployments put workers on several
hosts behind one PostgreSQL, and a plugin cannot set up a server's environment. So each
worker keeps ordinary in-process metrics (:mod:`.metrics`), writes a snapshot of their
samples to ``monitoring_worker_metrics`` every ``SSHGATE_MONITOR_METRICS_FLUSH`` seconds (and
right before answering a scrape), and a scrape of any worker answers the sum over every
worker whose snapshot is fresh (within three flush periods). Counters and histograms add
up; gauges here are "how many now" (sessions, WebSocket clients) and add up too.

A worker that stops takes its counts with it: the totals drop, which Prometheus treats as a
counter reset (``rate()`` and ``increase()`` handle it). The probe status gauges are not
per worker at all: they are read from ``monitoring_status``, which the prober writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from quart import Quart
from sqlalchemy import delete, select

from sshgate.api import db_session, gate, list_servers, utcnow

from .metrics import metrics
from .models import ServerStatus, WorkerMetrics
from .settings import monitor_settings

FORGET_AFTER = timedelta(days=1)  # rows of workers long gone are deleted


def snapshot(app: Quart) -> list[dict[str, Any]]:
    """This worker's samples, as JSON (without ``_created``: meaningless once summed)."""
    families = []
    for family in metrics(app).registry.collect():
        samples = [
            [s.name, s.labels, s.value] for s in family.samples if not s.name.endswith("_created")
        ]
        families.append(
            {
                "name": family.name,
                "type": family.type,
                "help": family.documentation,
                "samples": samples,
            }
        )
    return families


async def flush(app: Quart) -> None:
    """Write this worker's snapshot (a background task in every worker, and each scrape)."""
    instance = gate(app).instance_id
    now = utcnow()
    body = json.dumps(snapshot(app))
    async with db_session(app) as session:
        row = await session.get(WorkerMetrics, instance)
        if row is None:
            session.add(WorkerMetrics(instance_id=instance, updated_at=now, samples=body))
        else:
            row.updated_at, row.samples = now, body
        await session.execute(
            delete(WorkerMetrics).where(WorkerMetrics.updated_at < now - FORGET_AFTER)
        )


async def forget(app: Quart) -> None:
    """On shutdown: this worker's counts leave the totals at once."""
    async with db_session(app) as session:
        await session.execute(
            delete(WorkerMetrics).where(WorkerMetrics.instance_id == gate(app).instance_id)
        )


def merge(snapshots: list[list[dict[str, Any]]]) -> list[Metric]:
    """Sum the samples of every worker, family by family and label set by label set."""
    merged: dict[str, tuple[Metric, dict[tuple[str, tuple[tuple[str, str], ...]], float]]] = {}
    for families in snapshots:
        for family in families:
            name = family["name"]
            if name not in merged:
                merged[name] = (Metric(name, family["help"], family["type"]), {})
            sums = merged[name][1]
            for sample_name, labels, value in family["samples"]:
                key = (sample_name, tuple(sorted(labels.items())))
                sums[key] = sums.get(key, 0.0) + float(value)
    result = []
    for metric, sums in merged.values():
        for (sample_name, labels), value in sums.items():
            metric.add_sample(sample_name, dict(labels), value)
        result.append(metric)
    return result


async def probe_families(app: Quart) -> list[Metric]:
    """Probe status by server, from the table every worker reads."""
    names = {s.id: s.name for s in await list_servers(app=app)}
    async with db_session(app) as session:
        rows = (await session.execute(select(ServerStatus))).scalars().all()
        status = [(r.server_id, r.state, r.latency_ms, r.checked_at) for r in rows]
    up = Metric("sshgate_probe_up", "1 when the server's last probe succeeded, else 0.", "gauge")
    latency = Metric(
        "sshgate_probe_latency_seconds", "Duration of the server's last successful probe.", "gauge"
    )
    checked = Metric(
        "sshgate_probe_last_check_timestamp_seconds", "When the server was last probed.", "gauge"
    )
    for server_id, state, latency_ms, checked_at in status:
        name = names.get(server_id)
        if name is None or state == "unknown":
            continue
        labels = {"server": name}
        up.add_sample("sshgate_probe_up", labels, 1.0 if state == "online" else 0.0)
        if latency_ms is not None and state == "online":
            latency.add_sample("sshgate_probe_latency_seconds", labels, latency_ms / 1000)
        if checked_at is not None:
            checked.add_sample(checked.name, labels, checked_at.timestamp())
    return [up, latency, checked]


class _Prepared(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self.families)


async def exposition(app: Quart) -> bytes:
    """The Prometheus text exposition of every live worker, summed."""
    await flush(app)
    window = timedelta(seconds=3 * monitor_settings(app).metrics_flush)
    async with db_session(app) as session:
        rows = (
            (
                await session.execute(
                    select(WorkerMetrics.samples).where(
                        WorkerMetrics.updated_at >= utcnow() - window
                    )
                )
            )
            .scalars()
            .all()
        )
    families = merge([json.loads(row) for row in rows]) + await probe_families(app)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Prepared(families))
    return generate_latest(registry)
