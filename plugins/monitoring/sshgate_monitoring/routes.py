"""``/api/monitoring``: the status the Site Manager's dots show, and the per-server check.

Users see the servers they may see (their groups), administrators all, as everywhere.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from quart import Blueprint, current_app
from quart_schema import validate_request

from sshgate.api import Actor, current_actor, emit, list_servers, requires, server_for

from . import store
from .asgi import note_route, note_websocket_route
from .events import CheckChanged
from .settings import monitor_settings

bp = Blueprint("monitoring", __name__, url_prefix="/api/monitoring")
# The rule of every request of the app, for the latency histogram's route label (asgi.py).
# Once, at import: the blueprint object is shared by every app built in this process.
bp.before_app_request(note_route)
bp.before_app_websocket(note_websocket_route)


def caller() -> Actor:
    actor = current_actor()
    assert actor is not None  # never None behind @requires
    return actor


def unknown(server_id: int) -> dict[str, Any]:
    return {
        "id": server_id,
        "state": "unknown",
        "online": False,
        "reason": None,
        "message": "not probed yet",
        "latency_ms": None,
        "checked_at": None,
        "changed_at": None,
        "failures": 0,
        "full_check": False,
    }


@bp.get("/status")
@requires("monitoring.status.view")
async def status() -> dict[str, Any]:
    """The last probe of every server you may see: state, reason, latency, last change."""
    servers = await list_servers(caller())
    stored = await store.statuses(current_app, [s.id for s in servers])
    config = monitor_settings()
    rows = []
    for server in servers:
        row = dict(stored.get(server.id) or unknown(server.id))
        row["name"] = server.name
        row["via"] = server.jump_via_id
        rows.append(row)
    return {
        "servers": rows,
        "probing": config.probes,
        "interval": config.interval,
        "timeout": config.timeout,
    }


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    full_check: bool


@bp.put("/servers/<int:server_id>")
@requires("admin.monitoring.configure")
@validate_request(CheckIn)
async def configure(server_id: int, data: CheckIn) -> dict[str, Any]:
    """Probe this server with a full connection (pinned host key, a real login) or, the
    default, with the TCP connect and banner read that leaves no trace in its auth log."""
    server = await server_for(caller(), server_id, "admin.monitoring.configure")
    row = await store.set_full_check(current_app, server.id, data.full_check)
    await emit(CheckChanged(target=server.name, server_id=server.id, full_check=data.full_check))
    return {**row, "name": server.name, "via": server.jump_via_id}
