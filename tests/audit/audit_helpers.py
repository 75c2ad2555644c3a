"""Helpers shared by the audit tests: search through the API, run ``sshgate audit verify``."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import sys
from typing import Any, ClassVar

from sshgate.events import Event


@dataclasses.dataclass(kw_only=True)
class Ping(Event):
    """An audited event the tests emit directly, for volume and odd details."""

    name: ClassVar[str] = "test.ping"
    seq: int = 0
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)


HASHED = ("id", "created_at", "actor", "source_ip", "action", "target", "outcome", "details")


def chain_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """The documented hash, recomputed from an API entry without any sshgate code."""
    payload = {key: entry[key] for key in HASHED}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


async def search(admin: Any, **params: Any) -> dict[str, Any]:
    response = await admin.get("/api/audit", query_string=params)
    body = await response.get_json()
    assert response.status_code == 200, body
    return body


async def failed_login(client: Any, username: str) -> None:
    response = await client.post(
        "/api/auth/login",
        json={"username": username, "password": "not-the-password-1", "client": "api"},
    )
    assert response.status_code == 401


async def run_verify(db_url: str) -> tuple[int, str]:
    """``sshgate audit verify`` in its own process, as an operator would run it."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sshgate",
        "audit",
        "verify",
        env={"PATH": "/usr/bin:/bin", "SSHGATE_DB_URL": db_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, (out + err).decode()
