"""``GET /metrics``: who may scrape, and what it says, parsed with prometheus-client's own
parser from real traffic (logins, a terminal session, HTTP requests, probes)."""

from __future__ import annotations

from typing import Any

from conftest import METRICS_TOKEN
from monitoring_helpers import Port, register, wait_state
from prometheus_client.parser import text_string_to_metric_families

from sshgate.testing.terminal import TerminalClient, eventually

BEARER = {"Authorization": f"Bearer {METRICS_TOKEN}"}


async def scrape(client: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Families by name: their type, and (sample name, sorted labels) -> value."""
    response = await client.get("/metrics", headers=headers or BEARER)
    assert response.status_code == 200, await response.get_data()
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = (await response.get_data()).decode()
    families: dict[str, Any] = {}
    for family in text_string_to_metric_families(text):
        families[family.name] = {
            "type": family.type,
            "samples": {(s.name, tuple(sorted(s.labels.items()))): s.value for s in family.samples},
        }
    return families


def value(families: dict[str, Any], family: str, sample: str, **labels: str) -> float | None:
    samples = families.get(family, {}).get("samples", {})
    return samples.get((sample, tuple(sorted(labels.items()))))


async def test_metrics_need_the_token_or_an_administrator(client, user_client, admin_client):
    anonymous = await client.get("/metrics")
    assert anonymous.status_code == 401
    assert (await anonymous.get_json())["error"]["code"] == "unauthorized"
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401
    basic = await client.get("/metrics", headers={"Authorization": f"Basic {METRICS_TOKEN}"})
    assert basic.status_code == 401
    as_user = await user_client.get("/metrics")
    assert as_user.status_code == 403
    assert (await as_user.get_json())["error"]["code"] == "forbidden"
    assert (await client.get("/metrics", headers=BEARER)).status_code == 200
    assert (await admin_client.get("/metrics")).status_code == 200


async def test_logins_by_outcome_and_http_latency_by_route(client, admin_client):
    failed = await client.post(
        "/api/auth/login", json={"username": "root-admin", "password": "wrong", "client": "api"}
    )
    assert failed.status_code == 401
    for _ in range(3):
        assert (await admin_client.get("/api/monitoring/status")).status_code == 200
    families = await scrape(client)
    assert families["sshgate_logins"]["type"] == "counter"
    assert (
        value(
            families, "sshgate_logins", "sshgate_logins_total", outcome="failure", provider="local"
        )
        == 1
    )
    assert (
        value(
            families, "sshgate_logins", "sshgate_logins_total", outcome="success", provider="local"
        )
        >= 1
    )  # admin_client signed in
    histogram = families["sshgate_http_request_duration_seconds"]
    assert histogram["type"] == "histogram"
    count = value(
        families,
        "sshgate_http_request_duration_seconds",
        "sshgate_http_request_duration_seconds_count",
        method="GET",
        route="/api/monitoring/status",
    )
    assert count == 3
    inf = value(
        families,
        "sshgate_http_request_duration_seconds",
        "sshgate_http_request_duration_seconds_bucket",
        method="GET",
        route="/api/monitoring/status",
        le="+Inf",
    )
    assert inf == 3
    # A route's rule, never a raw path: ids do not become series.
    await admin_client.get("/api/servers/12345")
    await client.get("/no/such/page")
    families = await scrape(client)
    routes = {dict(labels)["route"] for (_, labels) in families["sshgate_http_requests"]["samples"]}
    assert "/api/servers/<int:server_id>" in routes and "unmatched" in routes
    assert not any("12345" in r for r in routes)
    assert (
        value(
            families,
            "sshgate_http_requests",
            "sshgate_http_requests_total",
            method="GET",
            route="/api/servers/<int:server_id>",
            status="404",
        )
        == 1
    )


async def test_terminal_sessions_bytes_and_websocket_clients(
    client, admin_client, user_client, live_server, ssh_server
):
    server_id = await register(admin_client, ssh_server, name="shell")
    url = f"{live_server.ws_url}/api/ws/terminal/{server_id}?cols=80&rows=24"
    term = await TerminalClient.open(url, user_client.token)
    try:
        await term.run("echo metered-$((6*7))", "metered-42")
        families = await scrape(client)
        assert (
            value(families, "sshgate_terminal_sessions_open", "sshgate_terminal_sessions_open") == 1
        )
        assert (
            value(
                families,
                "sshgate_terminal_sessions_started",
                "sshgate_terminal_sessions_started_total",
            )
            == 1
        )
        out = value(
            families, "sshgate_terminal_bytes", "sshgate_terminal_bytes_total", direction="output"
        )
        typed = value(
            families, "sshgate_terminal_bytes", "sshgate_terminal_bytes_total", direction="input"
        )
        assert out >= len("metered-42") and typed >= len("echo metered-$((6*7))\n")
        assert (
            value(
                families,
                "sshgate_websocket_clients",
                "sshgate_websocket_clients",
                route="/api/ws/terminal/<int:server_id>",
            )
            == 1
        )
    finally:
        await term.close()

    async def closed() -> bool:
        families = await scrape(client)
        return (
            value(
                families,
                "sshgate_websocket_clients",
                "sshgate_websocket_clients",
                route="/api/ws/terminal/<int:server_id>",
            )
            == 0
        )

    await eventually(closed, "the WebSocket client is no longer counted")


async def test_session_failures_by_reason(admin_client, user_client, live_server, client):
    server_id = await register(admin_client, Port(), name="nowhere")
    url = f"{live_server.ws_url}/api/ws/terminal/{server_id}?cols=80&rows=24"
    term = await TerminalClient.open(url, user_client.token)
    await term.closed()
    families = await scrape(client)
    assert (
        value(
            families,
            "sshgate_terminal_session_failures",
            "sshgate_terminal_session_failures_total",
            reason="tcp_refused",
        )
        == 1
    )


async def test_probe_results_and_latency_by_server(client, admin_client, ssh_server):
    up_id = await register(admin_client, ssh_server, name="up-1")
    down_id = await register(admin_client, Port(), name="down-1")
    await wait_state(admin_client, up_id, "online")
    await wait_state(admin_client, down_id, "offline")
    families = await scrape(client)
    assert value(families, "sshgate_probe_up", "sshgate_probe_up", server="up-1") == 1
    assert value(families, "sshgate_probe_up", "sshgate_probe_up", server="down-1") == 0
    latency = value(
        families, "sshgate_probe_latency_seconds", "sshgate_probe_latency_seconds", server="up-1"
    )
    assert latency is not None and latency >= 0
    assert (
        value(
            families,
            "sshgate_probe_latency_seconds",
            "sshgate_probe_latency_seconds",
            server="down-1",
        )
        is None
    )
    assert (
        value(families, "sshgate_probes", "sshgate_probes_total", server="down-1", result="refused")
        >= 1
    )
    assert (
        value(families, "sshgate_probes", "sshgate_probes_total", server="up-1", result="online")
        >= 1
    )


async def test_sftp_transfers_and_bytes_by_operation(client, admin_client, ssh_server):
    server_id = await register(admin_client, ssh_server, name="files")
    data = bytes(range(256)) * 40  # 10240 bytes
    url = f"/api/files/{server_id}"
    uploaded = await admin_client.put(f"{url}/upload", query_string={"path": "/m.bin"}, data=data)
    assert uploaded.status_code in (200, 201), await uploaded.get_json()
    downloaded = await admin_client.get(f"{url}/download", query_string={"path": "/m.bin"})
    assert downloaded.status_code == 200 and await downloaded.get_data() == data
    missing = await admin_client.get(f"{url}/download", query_string={"path": "/nope.bin"})
    assert missing.status_code == 404

    async def counted() -> dict[str, Any] | None:
        families = await scrape(client)
        done = value(
            families,
            "sshgate_sftp_transfers",
            "sshgate_sftp_transfers_total",
            operation="download",
            outcome="success",
        )
        return families if done == 1 else None

    # A download's event is emitted once its stream has ended, after the response.
    families = await eventually(counted, "the download counted")
    transfers = "sshgate_sftp_transfers_total"
    assert (
        value(families, "sshgate_sftp_transfers", transfers, operation="upload", outcome="success")
        == 1
    )
    assert (
        value(
            families, "sshgate_sftp_transfers", transfers, operation="download", outcome="failure"
        )
        == 1
    )
    for operation in ("upload", "download"):
        moved = value(
            families, "sshgate_sftp_bytes", "sshgate_sftp_bytes_total", operation=operation
        )
        assert moved == len(data), (operation, moved)
