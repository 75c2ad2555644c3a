"""Quick connect: an SSH connection to a host that is not in the registry.

Nothing is pinned or stored. The host key is checked against the fingerprint the user
confirmed: the first attempt only learns the offered key (credentials are never sent to an
unconfirmed key), the user confirms it, and the second attempt logs in against it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import asyncssh
from quart import Quart

from ..registry.models import Server
from ..track import emit
from .connector import SSHLink
from .diagnosis import ConnectFailed, Diagnosis, HopLabel, HopTiming, classify
from .events import Connected, ConnectFailedEvent
from .hop import Hop, connect_hop
from .hostkeys import HostKeyCheck, fingerprint


@dataclasses.dataclass(frozen=True)
class AdhocTarget:
    host: str
    port: int
    username: str
    password: str | None = None
    private_key: str | None = None
    passphrase: str | None = None

    @property
    def name(self) -> str:
        return f"{self.username}@{self.host}:{self.port}"


class UnconfirmedHostKey(Exception):
    """The server offered a key the user has not confirmed (yet, or a different one)."""

    def __init__(self, key_type: str, fingerprint: str) -> None:
        super().__init__(fingerprint)
        self.key_type = key_type
        self.fingerprint = fingerprint


class _ConfirmedKey(HostKeyCheck):
    def __init__(self, confirmed: str | None) -> None:
        super().__init__(pin=None)
        self.confirmed = confirmed

    def validate_host_public_key(
        self, host: str, addr: str, port: int, key: asyncssh.SSHKey
    ) -> bool:
        super().validate_host_public_key(host, addr, port, key)
        return self.confirmed is not None and fingerprint(key) == self.confirmed


async def open_adhoc(
    app: Quart, actor: Any, target: AdhocTarget, confirmed_fingerprint: str | None
) -> SSHLink:
    """Connect; raises :class:`UnconfirmedHostKey` or :class:`ConnectFailed`."""
    gate = app.extensions["sshgate"]
    server = Server(
        id=None,
        name=target.name,
        host=target.host,
        port=target.port,
        username=target.username,
        group="",
        tags=[],
        encoding="utf-8",
    )
    label = HopLabel(target.name, target.host, target.port, target.username, 1, 1)
    veto = await gate.plugins.before_connect(actor, server)
    if veto:
        await _fail(app, actor, target, "vetoed", f"{target.name}: {veto}", "denied")
    hop = Hop(server, label)
    hop.password = target.password
    if target.private_key:
        try:
            hop.key = asyncssh.import_private_key(target.private_key, target.passphrase)
        except (asyncssh.KeyImportError, asyncssh.KeyEncryptionError) as exc:
            await _fail(app, actor, target, "key_passphrase", f"private key unusable: {exc}")
    check = _ConfirmedKey(confirmed_fingerprint)
    try:
        conn = await connect_hop(hop, None, check, gate.settings)
    except Exception as exc:
        if check.offered is not None and not check.validate_host_public_key(
            target.host, target.host, target.port, check.offered
        ):
            raise UnconfirmedHostKey(
                check.offered.get_algorithm(), fingerprint(check.offered)
            ) from None
        stage, message = classify(exc, label, login_timeout=gate.settings.ssh_login_timeout)
        await _fail(app, actor, target, stage, message)
    # Ad-hoc targets have no registry id: 0 stands for "not registered" in events.
    timing = HopTiming(
        0,
        target.name,
        target.host,
        target.port,
        0.0,
        True,
        fingerprint(check.offered) if check.offered else None,
    )
    diagnosis = Diagnosis(True, "ok", f"connected to {target.name}", None, None, [timing])
    await emit(Connected(actor=_name(actor), target=target.name, server_id=0, purpose="quick"), app)
    return SSHLink([conn], [server], diagnosis, "quick")


def _name(actor: Any) -> str | None:
    return getattr(actor, "username", None)


async def _fail(
    app: Quart,
    actor: Any,
    target: AdhocTarget,
    stage: str,
    message: str,
    outcome: str = "failure",
) -> None:
    await emit(
        ConnectFailedEvent(
            actor=_name(actor),
            target=target.name,
            outcome=outcome,
            server_id=0,
            purpose="quick",
            stage=stage,
            hop_name=target.name,
            message=message,
        ),
        app,
    )
    raise ConnectFailed(Diagnosis(False, stage, message, 1, target.name, []))
