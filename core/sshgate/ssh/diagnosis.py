"""What happened when sshgate tried to connect: one stage, one human sentence, which hop.

Stages, in the order a connection meets them:

- ``chain_invalid``: the server or a jump host is missing, the chain loops or is too long
- ``vetoed``: a plugin's ``before_connect`` refused a hop
- ``credentials_unreadable``: stored credentials cannot be decrypted (other secret key) or
  are not a usable private key; ``key_passphrase``: the key's passphrase is wrong or missing
- ``dns``, ``tcp_refused``, ``tcp_unreachable``, ``timeout``: reaching the hop
- ``host_key_unknown`` (strict policy, nothing pinned), ``host_key_changed``
- ``auth_failed``: the server refused the credentials
- ``protocol``: any other SSH failure
- ``ok``
"""

from __future__ import annotations

import dataclasses
import errno
import socket
from typing import Any

import asyncssh

STAGES = (
    "ok",
    "chain_invalid",
    "vetoed",
    "credentials_unreadable",
    "key_passphrase",
    "dns",
    "tcp_refused",
    "tcp_unreachable",
    "timeout",
    "host_key_unknown",
    "host_key_changed",
    "auth_failed",
    "protocol",
)


@dataclasses.dataclass
class HopTiming:
    """One hop that was attempted; ``ms`` covers TCP, handshake and authentication."""

    server_id: int
    name: str
    host: str
    port: int
    ms: float
    ok: bool
    fingerprint: str | None = None  # the host key the hop presented, when it got that far

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Diagnosis:
    """``hop`` is the 1-based position in the chain (1 = first jump host, last = target)."""

    ok: bool
    stage: str
    message: str
    hop: int | None = None
    hop_name: str | None = None
    hops: list[HopTiming] = dataclasses.field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "stage": self.stage,
            "message": self.message,
            "hop": self.hop,
            "hop_name": self.hop_name,
            "hops": [h.to_json() for h in self.hops],
        }


class ConnectFailed(Exception):
    """Opening a connection failed; ``.diagnosis`` says where and why."""

    def __init__(self, diagnosis: Diagnosis) -> None:
        super().__init__(diagnosis.message)
        self.diagnosis = diagnosis


class HopTimeout(Exception):
    """Our own deadline for reaching a hop and finishing its key exchange expired."""

    def __init__(self, seconds: float, *, tcp_connected: bool) -> None:
        super().__init__(f"no SSH handshake within {seconds:g} s")
        self.seconds = seconds
        self.tcp_connected = tcp_connected


@dataclasses.dataclass(frozen=True)
class HopLabel:
    """How messages name a hop: ``bastion-1 (10.0.0.5:22)`` and ``(hop 1 of 3)``."""

    name: str
    host: str
    port: int
    username: str
    index: int
    total: int
    via: str | None = None  # the previous hop's name, when tunnelled

    @property
    def where(self) -> str:
        return f"{self.name} ({self.host}:{self.port})"

    @property
    def position(self) -> str:
        return f"(hop {self.index} of {self.total})"


def _channel_open_stage(exc: asyncssh.ChannelOpenError) -> str:
    # A jump host reports its own failure to connect onwards as text only; OpenSSH and
    # asyncssh word it differently ("Connection refused", "[Errno 111] Connect call failed").
    reason = exc.reason.lower()
    if exc.code == asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED:
        return "tcp_refused"
    if "refused" in reason or f"errno {errno.ECONNREFUSED}]" in reason:
        return "tcp_refused"
    if any(s in reason for s in ("not known", "name resolution", "nodename", "errno -2]")):
        return "dns"
    if "timed out" in reason or "timeout" in reason:
        return "timeout"
    return "tcp_unreachable"


def classify(exc: BaseException, hop: HopLabel, *, login_timeout: float) -> tuple[str, str]:
    """(stage, message) for an exception raised while opening one hop."""
    at = f"{hop.where} {hop.position}"
    via = f" via {hop.via}" if hop.via else ""
    if isinstance(exc, HopTimeout):
        if exc.tcp_connected:
            return "timeout", (
                f"{at} accepted the TCP connection{via} but did not complete the SSH handshake "
                f"within {exc.seconds:g} s (SSHGATE_SSH_CONNECT_TIMEOUT)"
            )
        return "timeout", (
            f"TCP connection to {at}{via} timed out after {exc.seconds:g} s "
            "(SSHGATE_SSH_CONNECT_TIMEOUT)"
        )
    if isinstance(exc, socket.gaierror):
        reason = exc.strerror or str(exc)
        return "dns", f"DNS lookup of {hop.host} for {hop.name} failed {hop.position}: {reason}"
    if isinstance(exc, ConnectionRefusedError):
        return "tcp_refused", f"TCP connection to {hop.where} refused {hop.position}"
    if isinstance(exc, TimeoutError):  # asyncssh's overall connect_timeout, as a last resort
        return "timeout", f"connecting to {at} timed out"
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        return "tcp_unreachable", f"TCP connection to {at} failed: {reason}"
    if isinstance(exc, asyncssh.ChannelOpenError):
        stage = _channel_open_stage(exc)
        verb = {"tcp_refused": "refused", "dns": "failed (DNS)", "timeout": "timed out"}.get(
            stage, "failed"
        )
        return stage, (
            f"TCP connection to {hop.where} via {hop.via} {verb} {hop.position}: {exc.reason}"
        )
    if isinstance(exc, asyncssh.PermissionDenied):
        return "auth_failed", (f"{at} refused the stored credentials for user {hop.username!r}")
    if isinstance(exc, asyncssh.ConnectionLost) and "login timeout" in exc.reason.lower():
        return "timeout", (
            f"login to {at} did not complete within {login_timeout:g} s (SSHGATE_SSH_LOGIN_TIMEOUT)"
        )
    if isinstance(exc, asyncssh.Error):
        return "protocol", f"SSH error with {at}: {exc.reason or type(exc).__name__}"
    return "protocol", f"connecting to {at} failed: {type(exc).__name__}: {exc}"
