"""Starting a gateway as a real subprocess on a loopback port, and what all gateways share."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def random_password() -> str:
    # Mixed classes and long: passes any password policy.
    return f"Bench-{secrets.token_urlsafe(18)}-9x"


def log_path(log_dir: Path, name: str) -> Path:
    """``<name>-<n>.log``: one file per start (gateways restart between scenarios)."""
    n = 1
    while (log_dir / f"{name}-{n}.log").exists():
        n += 1
    return log_dir / f"{name}-{n}.log"


@dataclass
class Process:
    """A gateway process; its log goes to a file for the report when something fails."""

    argv: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("wb")
        self.popen = subprocess.Popen(  # noqa: S603 (our own argv)
            self.argv,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()


async def wait_http(proc: Process, url: str, within: float = 90) -> None:
    """Until ``url`` answers at all (any status), or the process died."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            if proc.popen is not None and proc.popen.poll() is not None:
                raise RuntimeError(f"{proc.argv[0]} exited:\n{proc.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                await client.get(url)
                return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {within:.0f}s:\n{proc.log_tail()}")


def expect(response: httpx.Response, *codes: int) -> Any:
    if response.status_code not in (codes or (200,)):
        raise RuntimeError(
            f"{response.request.method} {response.request.url} -> {response.status_code}: "
            f"{response.text[:500]}"
        )
    return response.json() if response.content else None


@dataclass
class Capabilities:
    """Which scenarios a system supports; the rest print n/a with ``why``."""

    sftp: str | None = None  # None: supported; else the reason it is n/a
    share: str | None = None
    idle: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
