"""This worker's metrics: prometheus-client objects in a registry of the app's own.

Sources, all public hooks: ``track_event`` (logins, terminal starts/ends/failures, SFTP
transfers, probe results), ``session_observers`` (terminal bytes, counted on the hot path
into plain integers: no lock, no label lookup per chunk) and ``asgi_wrapper`` (HTTP latency
by route, WebSocket clients; see :mod:`.asgi`). What one worker holds is merged with the
other workers' on scrape (:mod:`.aggregate`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector
from quart import Quart

from sshgate.api import Event, TerminalSession

EXTENSION = "sshgate_monitoring.metrics"
# Seconds; the default buckets stop at 10 s, and long-polling or streaming routes go further.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
SFTP_TRANSFERS = {
    "files.upload": "upload",
    "files.download": "download",
    "files.download_zip": "download_zip",
    "files.copy": "copy",
    "files.write": "write",
    "files.read": "read",
}


class TerminalBytes(Collector):
    """Terminal bytes by direction: plain integers the observers add to."""

    def __init__(self) -> None:
        self.counts = {"output": 0, "input": 0}

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "sshgate_terminal_bytes",
            "Terminal bytes through the gateway: output from shells, input typed into them.",
            labels=["direction"],
        )
        for direction, count in self.counts.items():
            family.add_metric([direction], count)
        yield family


class ByteObserver:
    """A terminal session's observer: counts bytes, nothing else (this is the hot path)."""

    __slots__ = ("counts",)

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts

    def data_received(self, data: bytes, direction: str) -> None:
        self.counts[direction] = self.counts.get(direction, 0) + len(data)


class Metrics:
    """The metrics of one app (one worker)."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=False)
        self.bytes = TerminalBytes()
        r.register(self.bytes)
        self.sessions_open = Gauge(
            "sshgate_terminal_sessions_open", "Terminal sessions running now.", registry=r
        )
        self.sessions_started = Counter(
            "sshgate_terminal_sessions_started", "Terminal sessions started.", registry=r
        )
        self.session_failures = Counter(
            "sshgate_terminal_session_failures",
            "Terminal sessions that failed to start, by connection stage.",
            ["reason"],
            registry=r,
        )
        self.sftp_transfers = Counter(
            "sshgate_sftp_transfers",
            "File transfers of the SFTP browser, by operation and outcome.",
            ["operation", "outcome"],
            registry=r,
        )
        self.sftp_bytes = Counter(
            "sshgate_sftp_bytes", "Bytes moved by SFTP transfers.", ["operation"], registry=r
        )
        self.logins = Counter(
            "sshgate_logins",
            "Sign-in attempts by outcome and provider.",
            ["outcome", "provider"],
            registry=r,
        )
        self.http_latency = Histogram(
            "sshgate_http_request_duration_seconds",
            "HTTP request latency (until the response is sent), by route.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.http_requests = Counter(
            "sshgate_http_requests",
            "HTTP requests by route and status code.",
            ["method", "route", "status"],
            registry=r,
        )
        self.ws_clients = Gauge(
            "sshgate_websocket_clients", "WebSocket connections open now.", ["route"], registry=r
        )
        self.probes = Counter(
            "sshgate_probes",
            "Probes run by this gateway's prober, by server and result.",
            ["server", "result"],
            registry=r,
        )

    def observe_event(self, event: Event) -> None:
        """Count what an event says (called from ``track_event``)."""
        name = event.name
        props = event.properties()
        if name == "terminal.opened":
            self.sessions_started.inc()
            self.sessions_open.inc()
        elif name == "terminal.closed":
            self.sessions_open.dec()
        elif name == "ssh.connect_failed" and props.get("purpose") in ("terminal", "quick"):
            self.session_failures.labels(str(props.get("stage", "unknown"))).inc()
        elif name in ("auth.login", "auth.login_failed"):
            provider = str(props.get("provider") or "local")
            self.logins.labels(event.outcome, provider).inc()
        elif name in SFTP_TRANSFERS:
            operation = SFTP_TRANSFERS[name]
            self.sftp_transfers.labels(operation, event.outcome).inc()
            moved = props.get("bytes")
            if event.outcome == "success" and isinstance(moved, int) and moved > 0:
                self.sftp_bytes.labels(operation).inc(moved)

    def observer(self, session: TerminalSession) -> ByteObserver:
        return ByteObserver(self.bytes.counts)


def metrics(app: Quart) -> Metrics:
    found: Any = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions[EXTENSION] = Metrics()
    return found
