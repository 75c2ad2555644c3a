"""One hop of a chain: its decrypted credentials, and opening it with nothing but them.

Each hop gets its own asyncssh options (a ``tunnel="a,b"`` string would apply ours to the
last hop only), its own deadline and its own host-key check.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import asyncssh
from quart import Quart

from ..crypto import SecretUnreadable
from ..registry.credentials import credentials_box
from ..registry.models import Server
from ..settings import Settings
from . import hostkeys
from .diagnosis import HopLabel, HopTimeout


def _encryption_algs() -> list[str]:
    from asyncssh.encryption import get_default_encryption_algs, get_encryption_algs

    # AES-GCM first: with AES-NI it moves terminal and SFTP bytes fastest.
    preferred = [
        "aes128-gcm@openssh.com",
        "aes256-gcm@openssh.com",
        "chacha20-poly1305@openssh.com",
    ]
    known = [a.decode() for a in get_encryption_algs()]
    ordered = [a for a in preferred if a in known]
    return ordered + [
        a.decode() for a in get_default_encryption_algs() if a.decode() not in ordered
    ]


ENCRYPTION_ALGS = _encryption_algs()


class Refused(Exception):
    """A hop cannot be opened, for a reason known before or while trying (a stage)."""

    def __init__(self, stage: str, message: str, hop: HopLabel | None = None) -> None:
        super().__init__(message)
        self.stage = stage
        self.message = message
        self.hop = hop


class Hop:
    """A hop ready to open: its server row, how messages name it, decrypted credentials."""

    def __init__(self, server: Server, label: HopLabel) -> None:
        self.server = server
        self.label = label
        self.password: str | None = None
        self.key: asyncssh.SSHKey | None = None


def load_credentials(app: Quart, hop: Hop) -> None:
    """Decrypt a hop's password or private key into ``hop``; raises :class:`Refused`."""
    server, label = hop.server, hop.label
    box = credentials_box(app)
    try:
        secret = box.decrypt(server.secret) if server.secret else None
        passphrase = box.decrypt(server.key_passphrase) if server.key_passphrase else None
    except SecretUnreadable:
        raise Refused(
            "credentials_unreadable",
            (
                f"credentials of server {server.name} unreadable: encrypted with a different "
                f"SSHGATE_SECRET_KEY {label.position}"
            ),
            label,
        ) from None
    if server.auth_method == "password":
        if secret is None:
            raise Refused(
                "auth_failed",
                f"server {server.name} has no password stored {label.position}",
                label,
            )
        hop.password = secret
        return
    if server.auth_method != "key":
        raise Refused(
            "credentials_unreadable",
            f"server {server.name} has unknown auth method {server.auth_method!r} {label.position}",
            label,
        )
    if not secret:
        raise Refused(
            "credentials_unreadable",
            f"server {server.name} has no private key stored {label.position}",
            label,
        )
    try:
        hop.key = asyncssh.import_private_key(secret, passphrase)
    except (asyncssh.KeyEncryptionError, asyncssh.KeyImportError) as exc:
        text = str(exc)
        if "Passphrase must be specified" in text:
            why = "is encrypted but no passphrase is stored"
        elif isinstance(exc, asyncssh.KeyEncryptionError) or (
            passphrase is not None and "decrypt" in text.lower()
        ):
            why = "cannot be decrypted: wrong passphrase"
        else:
            raise Refused(
                "credentials_unreadable",
                (
                    f"the private key of server {server.name} cannot be read ({text}) "
                    f"{label.position}"
                ),
                label,
            ) from None
        raise Refused(
            "key_passphrase",
            f"the private key of server {server.name} {why} {label.position}",
            label,
        ) from None


async def connect_hop(
    hop: Hop,
    tunnel: asyncssh.SSHClientConnection | None,
    check: hostkeys.HostKeyCheck,
    settings: Settings,
) -> asyncssh.SSHClientConnection:
    """Connect one hop: TCP (or a tunnel channel), banner and key exchange must finish
    within ssh_connect_timeout; asyncssh's login timer then bounds authentication."""
    limit = settings.ssh_connect_timeout
    task = asyncio.ensure_future(_handshake(hop, tunnel, check, settings))
    try:
        waiting: set[asyncio.Future[Any]] = {task, check.key_seen}
        done, _ = await asyncio.wait(waiting, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        await _abandon(task)
        raise
    if not done:
        await _abandon(task)
        raise HopTimeout(limit, tcp_connected=check.tcp_connected)
    return await task


async def _handshake(
    hop: Hop,
    tunnel: asyncssh.SSHClientConnection | None,
    check: hostkeys.HostKeyCheck,
    s: Settings,
) -> asyncssh.SSHClientConnection:
    server = hop.server
    where: dict[str, Any]
    sock: socket.socket | None = None
    if tunnel is None:
        sock = await _tcp_connect(server.host, server.port)
        where = {"sock": sock}
    else:
        where = {"host": server.host, "port": server.port, "tunnel": tunnel}
    try:
        return await asyncssh.connect(
            **where,
            username=server.username,
            client_factory=lambda: check,
            # Host keys: trust nothing up front, decide in HostKeyCheck (see there).
            known_hosts=hostkeys.KNOWN_HOSTS,
            server_host_key_algs=hostkeys.host_key_algs(check.pin.key if check.pin else None),
            x509_trusted_certs=None,
            x509_trusted_cert_paths=[],
            # Credentials: exactly the stored ones. client_keys=None (not () or []) is what
            # keeps asyncssh from loading ~/.ssh/id_*; config=None skips ~/.ssh/config.
            password=hop.password,
            client_keys=[hop.key] if hop.key is not None else None,
            passphrase=None,
            ignore_encrypted=True,
            agent_path=None,
            agent_forwarding=False,
            pkcs11_provider=None,
            gss_kex=False,
            gss_auth=False,
            host_based_auth=False,
            client_host_keysign=False,
            x11_forwarding=False,
            config=None,
            proxy_command=None,
            encryption_algs=ENCRYPTION_ALGS,
            # Our deadline covers reaching the hop and the key exchange; asyncssh's login
            # timer runs from the TCP connection to the end of authentication; its
            # connect_timeout is only a backstop over both.
            connect_timeout=s.ssh_connect_timeout + s.ssh_login_timeout,
            login_timeout=s.ssh_login_timeout,
            keepalive_interval=s.ssh_keepalive_interval,
            keepalive_count_max=s.ssh_keepalive_count_max,
        )
    except BaseException:
        if sock is not None:
            sock.close()
        raise


async def _abandon(task: asyncio.Task[asyncssh.SSHClientConnection]) -> None:
    task.cancel()
    await asyncio.wait({task})
    if not task.cancelled() and task.exception() is None:
        task.result().close()  # it finished just as we gave up on it


async def _tcp_connect(host: str, port: int) -> socket.socket:
    """Resolve and connect ourselves, so DNS failures, refusals and the connect deadline are
    told apart per address (asyncio merges several addresses' errors into one OSError)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    errors: list[OSError] = []
    for family, kind, proto, _, address in infos:
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, address)
        except OSError as exc:
            sock.close()
            errors.append(exc)
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    refused = [e for e in errors if isinstance(e, ConnectionRefusedError)]
    raise (refused or errors or [OSError(f"no address for {host}")])[0]
