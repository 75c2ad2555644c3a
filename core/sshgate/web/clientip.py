"""The client's address, trusting ``X-Forwarded-For`` only from configured proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from quart import Request, Websocket


def _in(address: str, networks: Sequence[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


def client_ip(request: Request | Websocket, trusted_proxies: Sequence[str]) -> str:
    """Walk ``X-Forwarded-For`` from the right while the hop is a trusted proxy."""
    peer = request.remote_addr or "unknown"
    if not trusted_proxies or not _in(peer, trusted_proxies):
        return peer
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    address = peer
    for hop in reversed(hops):
        address = hop
        if not _in(hop, trusted_proxies):
            break
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return peer
