"""One probe of one server: a TCP connect plus the SSH banner, or a full connection.

- A direct server: TCP to ``host:port``, read the identification line (``SSH-2.0-...``),
  answer with ours and close before the key exchange. The target never sees a login
  attempt, so its auth log stays quiet (OpenSSH notes a pre-auth disconnect at most).
- A server behind jump hosts: the chain to its jump host is opened through the connector
  (``open_connection``, which authenticates to every jump host and checks their pinned
  host keys), then a ``direct-tcpip`` channel to the target carries the same banner read.
  Chains are kept open between rounds (:class:`JumpLinks`), so a bastion sees one login,
  not one per probe.
- ``full_check``: ``open_connection`` to the server itself: the whole chain, the target's
  host key against its pin, and a login with its stored credentials (so it does appear in
  the target's auth log).

Every failure becomes a reason code (``outcome.REASONS``) and a sentence.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import time
from typing import Any

import asyncssh
from quart import Quart

from sshgate.api import ConnectFailed, ServerInfo, open_connection

from .jumps import JumpLinks
from .outcome import ProbeFailed, ProbeResult

OUR_BANNER = b"SSH-2.0-sshgate_monitor\r\n"
MAX_BANNER = 255  # RFC 4253: the identification line is at most 255 characters
# The connector's stages, as reasons (diagnosis.py lists them all).
STAGE_REASONS = {
    "dns": "dns",
    "tcp_refused": "refused",
    "tcp_unreachable": "unreachable",
    "timeout": "timeout",
    "host_key_changed": "host_key_changed",
    "host_key_unknown": "host_key_changed",
    "auth_failed": "auth_failed",
    "vetoed": "vetoed",
}


async def probe(
    app: Quart, server: ServerInfo, *, full: bool, seconds: float, jumps: JumpLinks
) -> ProbeResult:
    """Probe ``server``; never raises (but for cancellation)."""
    started = time.monotonic()
    try:
        if full:
            banner = await _full(app, server, seconds)
        elif server.jump_via_id is None:
            banner = await _direct(server, seconds)
        else:
            banner = await _through_jump(server, seconds, jumps)
    except ProbeFailed as failed:
        return ProbeResult(server.id, False, failed.reason, failed.message, None)
    except Exception as exc:  # a probe must never take the round down with it
        message = f"probe of {server.name} failed: {type(exc).__name__}: {exc}"
        return ProbeResult(server.id, False, "error", message, None)
    ms = round((time.monotonic() - started) * 1000, 1)
    return ProbeResult(server.id, True, None, banner, ms)


def _where(server: ServerInfo) -> str:
    return f"{server.name} ({server.host}:{server.port})"


async def _direct(server: ServerInfo, seconds: float) -> str:
    where = _where(server)
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(server.host, server.port), seconds
        )
    except TimeoutError:
        raise ProbeFailed(
            "timeout", f"TCP connection to {where} timed out after {seconds:g} s"
        ) from None
    except socket.gaierror as exc:
        reason = exc.strerror or str(exc)
        raise ProbeFailed("dns", f"DNS lookup of {server.host} failed: {reason}") from None
    except ConnectionRefusedError:
        raise ProbeFailed("refused", f"TCP connection to {where} refused") from None
    except OSError as exc:
        raise ProbeFailed("unreachable", f"TCP connection to {where} failed: {exc}") from None
    try:
        return await _read_banner(reader, writer, where, seconds)
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), seconds)


async def _read_banner(reader: Any, writer: Any, where: str, seconds: float) -> str:
    """Read the server's identification line (lines before it are allowed by RFC 4253)."""
    deadline = asyncio.get_running_loop().time() + seconds
    seen = b""
    try:
        while True:
            left = deadline - asyncio.get_running_loop().time()
            line: bytes = await asyncio.wait_for(reader.readline(), max(left, 0.001))
            if line.startswith(b"SSH-"):
                break
            seen += line
            if not line or len(seen) > 8 * MAX_BANNER:
                raise ProbeFailed(
                    "banner",
                    f"{where} closed the connection without an SSH banner"
                    if not line
                    else f"{where} does not speak SSH",
                )
    except TimeoutError:
        raise ProbeFailed("banner", f"{where} sent no SSH banner within {seconds:g} s") from None
    except (OSError, asyncssh.Error) as exc:
        raise ProbeFailed("banner", f"{where} dropped the connection: {exc}") from None
    # Answer with ours, so the server sees a polite client leave rather than a scan.
    with contextlib.suppress(Exception):
        writer.write(OUR_BANNER)
    return line[:MAX_BANNER].decode("ascii", "replace").strip()


async def _through_jump(server: ServerInfo, seconds: float, jumps: JumpLinks) -> str:
    assert server.jump_via_id is not None
    where = _where(server)
    conn = await jumps.get(server.jump_via_id, seconds)  # raises ProbeFailed("jump", ...)
    try:
        reader, writer = await asyncio.wait_for(
            conn.open_connection(server.host, server.port, encoding=None), seconds
        )
    except TimeoutError:
        raise ProbeFailed(
            "timeout", f"TCP connection to {where} via its jump host timed out after {seconds:g} s"
        ) from None
    except asyncssh.ChannelOpenError as exc:
        raise ProbeFailed(
            _channel_reason(exc),
            f"TCP connection to {where} via its jump host failed: {exc.reason}",
        ) from None
    except (OSError, asyncssh.Error) as exc:
        jumps.drop(server.jump_via_id)  # the chain broke: open it afresh next time
        raise ProbeFailed("jump", f"the jump host of {server.name} dropped: {exc}") from None
    try:
        return await _read_banner(reader, writer, where, seconds)
    finally:
        writer.close()


def _channel_reason(exc: asyncssh.ChannelOpenError) -> str:
    # A jump host reports its own failure to connect onwards as text only.
    reason = exc.reason.lower()
    if "refused" in reason or f"errno {errno.ECONNREFUSED}]" in reason:
        return "refused"
    if any(s in reason for s in ("not known", "name resolution", "nodename", "errno -2]")):
        return "dns"
    if "timed out" in reason or "timeout" in reason:
        return "timeout"
    return "unreachable"


async def _full(app: Quart, server: ServerInfo, seconds: float) -> str:
    try:
        # The connector has its own timeouts per hop (SSHGATE_SSH_CONNECT_TIMEOUT and
        # _LOGIN_TIMEOUT); ours bounds the whole chain.
        link = await asyncio.wait_for(
            open_connection(app, server.id, None, purpose="monitor"), seconds
        )
    except TimeoutError:
        raise ProbeFailed(
            "timeout", f"connecting to {_where(server)} took over {seconds:g} s"
        ) from None
    except ConnectFailed as exc:
        raise ProbeFailed(_diagnosis_reason(exc, server), exc.diagnosis.message) from None
    async with link:
        version = link.conn.get_extra_info("server_version") or "SSH"
    return str(version)


def _diagnosis_reason(exc: ConnectFailed, server: ServerInfo) -> str:
    diagnosis = exc.diagnosis
    if diagnosis.hop_name and diagnosis.hop_name != server.name:
        return "jump"  # it failed before the target itself (server names are unique)
    return STAGE_REASONS.get(diagnosis.stage, "error")
