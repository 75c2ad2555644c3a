"""Where deliveries may go: destinations are resolved and checked when a connection opens.

The check sits in the HTTP client's network layer (an httpcore network backend), so it
applies to every connection the client makes, after DNS, to the very address connected
to: a name that resolves to a public address when saved and to 127.0.0.1 later (DNS
rebinding) is refused at send time. Redirects are never followed. Proxies from the
environment are ignored (they would connect on our behalf, past the check).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from urllib.parse import urlsplit

import certifi
import httpcore
import httpx

from .settings import Network

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The destination is not allowed; the message says why (shown in the delivery log)."""


def forbidden(address: Address, allowed: Iterable[Network]) -> str | None:
    """What ``address`` is that may not be contacted ("a loopback address"), or None. Only
    global unicast addresses are allowed, unless an allow-listed network holds it."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if any(address in network for network in allowed):
        return None
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services live)"
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return "not a unicast address"
    if address.is_private or not address.is_global:
        return "a private address"
    return None


def literal_refusal(url: str, allowed: Iterable[Network]) -> str | None:
    """Why a URL whose host is an IP literal can never be delivered to, or None. Saving
    such a webhook is refused early; names are only checked when sending (their answers
    change), which is the check that counts."""
    host = urlsplit(url).hostname or ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    what = forbidden(address, list(allowed))
    return f"destination refused: {address} is {what}" if what else None


async def resolve(host: str, port: int) -> list[Address]:
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        return [literal]
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror}") from None
    # The scope suffix of IPv6 link-local answers ("fe80::1%eth0") is not part of the address.
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


class VettedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself, refuses if any answer is forbidden, then connects to the
    checked address (TLS still verifies the certificate against the host name)."""

    def __init__(self, allowed: list[Network]) -> None:
        self.allowed = allowed
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[object] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):  # DNS counts against the connect timeout
                addresses = await resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        for address in addresses:
            what = forbidden(address, self.allowed)
            if what and host.strip("[]") == str(address):
                raise Refused(f"destination refused: {address} is {what}")
            if what:
                raise Refused(f"destination refused: {host} resolves to {address}, {what}")
        return await self.inner.connect_tcp(
            str(addresses[0]),
            port,
            timeout,
            local_address,
            socket_options,  # type: ignore[arg-type]
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: object = None,
    ) -> httpcore.AsyncNetworkStream:
        raise Refused("destination refused: unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class VettedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, allowed: list[Network], ca_file: str = "") -> None:
        super().__init__(trust_env=False)
        context = ssl.create_default_context(cafile=certifi.where())
        if ca_file:  # a private CA of in-house receivers, trusted next to the public ones
            context.load_verify_locations(cafile=ca_file)
        # httpx builds its pool without a way to pass a network backend; replace it.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=VettedBackend(allowed),
        )


def vetted_client(allowed: list[Network], timeout: float, ca_file: str = "") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=VettedTransport(allowed, ca_file),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
    )
