"""The one place sshgate opens SSH connections.

:func:`open_connection` loads a server and its jump chain, asks every plugin about every
hop, decrypts each hop's credentials, then connects hop by hop (each hop tunnelled through
the previous connection, with its own options), checking each hop's host key against its
pin. Nothing of the gateway user's own SSH setup is used: no ``~/.ssh`` keys, config or
known_hosts, no agent. Every failure becomes a :class:`~.diagnosis.Diagnosis`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Sequence
from typing import Any

import asyncssh
from quart import Quart

from ..contract import Actor
from ..events import Event
from ..registry.models import Server
from ..track import emit
from . import hostkeys
from .chain import ChainError, load_chain
from .diagnosis import ConnectFailed, Diagnosis, HopLabel, HopTiming, classify
from .events import Connected, ConnectFailedEvent, HostKeyChanged, HostKeyPinned
from .hop import Hop, Refused, connect_hop, load_credentials

log = logging.getLogger(__name__)


class SSHLink:
    """An open chain: ``conn`` is the target's connection, ``connections`` every hop's
    (bastion first). Close it (or use ``async with``) to close them all."""

    def __init__(
        self,
        connections: Sequence[asyncssh.SSHClientConnection],
        servers: Sequence[Server],
        diagnosis: Diagnosis,
        purpose: str,
    ) -> None:
        self.connections = tuple(connections)
        self.servers = tuple(servers)
        self.diagnosis = diagnosis
        self.purpose = purpose

    @property
    def conn(self) -> asyncssh.SSHClientConnection:
        return self.connections[-1]

    @property
    def server(self) -> Server:
        return self.servers[-1]

    @property
    def hops(self) -> list[HopTiming]:
        return self.diagnosis.hops

    async def close(self) -> None:
        await _close_all(self.connections)

    async def __aenter__(self) -> SSHLink:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


async def _close_all(connections: Sequence[asyncssh.SSHClientConnection]) -> None:
    # Target first: closing a bastion first would cut the tunnels under the later hops.
    for conn in reversed(connections):
        conn.close()
        with contextlib.suppress(Exception):
            await conn.wait_closed()


async def open_connection(
    app: Quart, server_id: int, actor: Actor | None, *, purpose: str
) -> SSHLink:
    """Open the chain to ``server_id`` for ``actor`` (None for the system); raises
    :class:`ConnectFailed`. ``purpose`` ("terminal", "sftp", "test", "monitor") is audited.
    Does not check ``ssh_enabled``/``sftp_enabled``: callers decide what a server allows."""
    return await _Opener(app, actor, purpose).open(server_id)


async def diagnose(app: Quart, server_id: int, actor: Any, *, purpose: str = "test") -> Diagnosis:
    """Open and close the chain; the diagnosis either way."""
    try:
        link = await open_connection(app, server_id, actor, purpose=purpose)
    except ConnectFailed as exc:
        return exc.diagnosis
    await link.close()
    return link.diagnosis


class _Opener:
    def __init__(self, app: Quart, actor: Any, purpose: str) -> None:
        self.app = app
        self.gate = app.extensions["sshgate"]
        self.settings = self.gate.settings
        self.actor = actor
        self.username: str | None = getattr(actor, "username", None)
        self.purpose = purpose
        self.timings: list[HopTiming] = []

    async def emit(self, event: Event) -> None:
        event.actor = event.actor or self.username
        await emit(event, self.app)  # works outside requests too (monitoring)

    async def open(self, server_id: int) -> SSHLink:
        started = time.monotonic()
        target_name: str | None = None
        connections: list[asyncssh.SSHClientConnection] = []
        try:
            try:
                async with self.gate.db.session() as session:
                    servers = await load_chain(session, server_id, self.settings.max_jump_depth)
            except ChainError as exc:
                raise Refused("chain_invalid", str(exc)) from None
            target_name = servers[-1].name
            hops = [self._hop(server, i, servers) for i, server in enumerate(servers, 1)]
            # Every decision that needs no network first: a vetoed or unusable chain must
            # not leave a trace in any hop's logs.
            for hop in hops:
                await self._ask_plugins(hop)
            for hop in hops:
                load_credentials(self.app, hop)
            try:
                for hop in hops:
                    tunnel = connections[-1] if connections else None
                    connections.append(await self._open_hop(hop, tunnel))
            except BaseException:
                await _close_all(connections)
                raise
        except Refused as failure:
            label = failure.hop
            diagnosis = Diagnosis(
                False,
                failure.stage,
                failure.message,
                label.index if label else None,
                label.name if label else None,
                self.timings,
            )
            log.info(
                "ssh %s to server #%s failed at %s: %s",
                self.purpose,
                server_id,
                failure.stage,
                failure.message,
            )
            await self.emit(
                ConnectFailedEvent(
                    target=target_name,
                    server_id=server_id,
                    purpose=self.purpose,
                    outcome="denied" if failure.stage == "vetoed" else "failure",
                    stage=failure.stage,
                    hop_name=diagnosis.hop_name,
                    message=failure.message,
                )
            )
            raise ConnectFailed(diagnosis) from None
        ms = round((time.monotonic() - started) * 1000, 1)
        via = [s.name for s in servers[:-1]]
        message = f"connected to {servers[-1].name}" + (f" via {', '.join(via)}" if via else "")
        diagnosis = Diagnosis(True, "ok", f"{message} in {ms:.0f} ms", None, None, self.timings)
        await self.emit(
            Connected(
                target=servers[-1].name, server_id=server_id, purpose=self.purpose, hops=via, ms=ms
            )
        )
        return SSHLink(connections, servers, diagnosis, self.purpose)

    def _hop(self, server: Server, index: int, servers: list[Server]) -> Hop:
        via = servers[index - 2].name if index > 1 else None
        return Hop(
            server,
            HopLabel(
                server.name, server.host, server.port, server.username, index, len(servers), via
            ),
        )

    async def _ask_plugins(self, hop: Hop) -> None:
        reason = await self.gate.plugins.before_connect(self.actor, hop.server)
        if reason:
            raise Refused(
                "vetoed",
                f"connection to {hop.label.where} {hop.label.position} vetoed: {reason}",
                hop.label,
            )

    async def _open_hop(
        self, hop: Hop, tunnel: asyncssh.SSHClientConnection | None
    ) -> asyncssh.SSHClientConnection:
        server = hop.server
        timing = HopTiming(server.id, server.name, server.host, server.port, 0.0, False)
        self.timings.append(timing)
        started = time.monotonic()
        try:
            pin = await hostkeys.pinned_key(self.gate.db, server.id)
            # At most two rounds: with nothing pinned, the first connection only fetches the
            # key (refused before authentication), we pin it, and the second authenticates.
            for _ in range(2):
                check = hostkeys.HostKeyCheck(pin)
                try:
                    conn = await connect_hop(hop, tunnel, check, self.settings)
                except asyncssh.HostKeyNotVerifiable:
                    if check.offered is None:
                        raise
                    timing.fingerprint = hostkeys.fingerprint(check.offered)
                    if pin is None:
                        pin = await self._first_use(hop, check.offered)
                        continue
                    await self._refuse_changed(hop, pin, check.offered)
                assert check.offered is not None
                timing.fingerprint = hostkeys.fingerprint(check.offered)
                timing.ok = True
                return conn
            raise AssertionError("unreachable: the second round returns or raises")
        except Refused:
            raise
        except Exception as exc:
            stage, message = classify(exc, hop.label, login_timeout=self.settings.ssh_login_timeout)
            if stage == "protocol":
                log.warning("ssh connection to %s failed", hop.label.where, exc_info=True)
            raise Refused(stage, message, hop.label) from exc
        finally:
            timing.ms = round((time.monotonic() - started) * 1000, 1)

    async def _first_use(self, hop: Hop, offered: asyncssh.SSHKey) -> hostkeys.Pin:
        server, label = hop.server, hop.label
        fp = hostkeys.fingerprint(offered)
        if self.settings.host_key_policy == "strict":
            await hostkeys.record_offered(self.gate.db, server.id, offered)
            raise Refused(
                "host_key_unknown",
                (
                    f"{label.where} presented host key {fp}, which is not pinned, and "
                    f"SSHGATE_HOST_KEY_POLICY is strict: an administrator must approve it "
                    f"{label.position}"
                ),
                label,
            )
        pin, ours = await hostkeys.pin_first_use(
            self.gate.db, server.id, offered, self.username or "system"
        )
        if pin is None:
            raise Refused(
                "chain_invalid",
                f"server {server.name} was deleted while connecting {label.position}",
                label,
            )
        if ours:
            await self.emit(HostKeyPinned(target=server.name, server_id=server.id, fingerprint=fp))
        return pin

    async def _refuse_changed(self, hop: Hop, pin: hostkeys.Pin, offered: asyncssh.SSHKey) -> None:
        server, label = hop.server, hop.label
        fp = hostkeys.fingerprint(offered)
        await hostkeys.record_offered(self.gate.db, server.id, offered)
        await self.emit(
            HostKeyChanged(
                target=server.name,
                server_id=server.id,
                pinned_fingerprint=pin.fingerprint,
                offered_fingerprint=fp,
            )
        )
        raise Refused(
            "host_key_changed",
            (
                f"host key of {label.where} changed {label.position}: pinned {pin.fingerprint}, "
                f"offered {fp}; refused until an administrator approves the new key"
            ),
            label,
        )
