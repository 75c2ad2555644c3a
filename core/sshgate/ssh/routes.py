"""Test a server's connection (REG-6) and manage its host-key trust (REG-4).

Mounted at ``/api/servers`` beside the registry's CRUD, as a blueprint of its own.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from quart import Blueprint, current_app
from quart_schema import tag, validate_request

from ..auth.guard import current_actor
from ..auth.permissions import authorize, requires
from ..errors import ApiError
from ..gate import current_gate
from ..registry.models import Server
from ..track import emit
from ..web.schemas import Input
from . import hostkeys
from .connector import diagnose
from .events import HostKeyApproved, HostKeyCleared

bp = Blueprint("server_ssh", __name__, url_prefix="/api/servers")


class ApproveIn(Input):
    fingerprint: str = Field(min_length=1, max_length=100, description="SHA256:... on offer")


async def _server(server_id: int, action: str) -> Server:
    async with current_gate().db.session() as session:
        server = await session.get(Server, server_id)
    if server is None:
        raise ApiError(404, "not_found", f"no server {server_id}")
    await authorize(current_actor(), action, server)
    return server


async def _host_key_state(server_id: int) -> dict[str, Any]:
    state = await hostkeys.describe(current_gate().db, server_id)
    state["policy"] = current_gate().settings.host_key_policy
    return state


@bp.post("/<int:server_id>/test")
@requires("server.test")
@tag(["servers"])
async def run_test(server_id: int) -> dict[str, Any]:
    """Connect through the whole chain and disconnect; 200 with ``ok: false`` on failure."""
    await _server(server_id, "server.test")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    diagnosis = await diagnose(app, server_id, current_actor(), purpose="test")
    body = diagnosis.to_json()
    target = diagnosis.hops[-1] if diagnosis.hops else None
    body["host_key"] = None
    if target is not None and target.server_id == server_id and target.fingerprint:
        pin = await hostkeys.pinned_key(current_gate().db, server_id)
        body["host_key"] = {
            "fingerprint": target.fingerprint,
            "pinned": pin is not None and pin.fingerprint == target.fingerprint,
        }
    return body


@bp.get("/<int:server_id>/host-key")
@requires("server.view")
@tag(["servers"])
async def get_host_key(server_id: int) -> dict[str, Any]:
    """The pinned key and a different key the server offered, if any."""
    await _server(server_id, "server.view")
    return await _host_key_state(server_id)


@bp.post("/<int:server_id>/host-key/approve")
@requires("admin.servers.host_key")
@tag(["servers", "admin"])
@validate_request(ApproveIn)
async def approve_host_key(server_id: int, data: ApproveIn) -> dict[str, Any]:
    """Pin the offered key. The fingerprint must be the one on offer now, so that an
    administrator never approves a key they did not see."""
    server = await _server(server_id, "admin.servers.host_key")
    actor = current_actor()
    previous = await hostkeys.approve(
        current_gate().db, server_id, data.fingerprint, getattr(actor, "username", "admin")
    )
    if previous is None:
        offered = (await hostkeys.describe(current_gate().db, server_id))["offered"]
        if offered is None:
            raise ApiError(
                409,
                "nothing_offered",
                f"server {server.name} has no new host key waiting for approval",
            )
        raise ApiError(
            409,
            "fingerprint_mismatch",
            f"the key on offer is {offered['fingerprint']}, not {data.fingerprint}",
            {"offered_fingerprint": offered["fingerprint"]},
        )
    await emit(
        HostKeyApproved(
            target=server.name,
            server_id=server_id,
            fingerprint=data.fingerprint,
            previous_fingerprint=previous or None,
        )
    )
    return await _host_key_state(server_id)


@bp.delete("/<int:server_id>/host-key")
@requires("admin.servers.host_key")
@tag(["servers", "admin"])
async def clear_host_key(server_id: int) -> dict[str, Any]:
    """Forget the pin: the next connection trusts the key on first use (or, with the strict
    policy, waits for approval)."""
    server = await _server(server_id, "admin.servers.host_key")
    previous = await hostkeys.clear(current_gate().db, server_id)
    if previous is not None:
        await emit(
            HostKeyCleared(target=server.name, server_id=server_id, previous_fingerprint=previous)
        )
    return await _host_key_state(server_id)
