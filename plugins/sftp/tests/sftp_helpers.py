"""Shared by the SFTP plugin's tests: servers registered through the public API, and a
handle that maps server paths to the local directory behind them."""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sshgate.testing.ssh import TEST_PASSWORD, TEST_USER


@dataclasses.dataclass
class Target:
    """A registered server whose SFTP files live in ``root`` on this machine; ``base`` is
    the server path of ``root`` ("/" for the chrooted in-process server)."""

    id: int
    root: Path
    base: str

    def path(self, relative: str = "") -> str:
        relative = relative.lstrip("/")
        if self.base == "/":
            return "/" + relative
        return f"{self.base}/{relative}" if relative else self.base

    def local(self, relative: str = "") -> Path:
        return self.root / relative.lstrip("/")

    def url(self, operation: str) -> str:
        return f"/api/files/{self.id}/{operation}"


async def register(admin_client: Any, target: Any, *, name: str, **fields: Any) -> int:
    """A server for an SSHTestServer (password auth) or OpenSSHServer (key auth), created
    through ``POST /api/servers`` like an administrator would."""
    body: dict[str, Any] = {
        "name": name,
        "host": target.host,
        "port": target.port,
        "group": "dev",
    }
    if hasattr(target, "client_key_path"):  # the real sshd: key auth as its user
        body.update(
            username=target.user,
            auth_method="key",
            private_key=Path(target.client_key_path).read_text(),
        )
    else:
        body.update(username=TEST_USER, password=TEST_PASSWORD)
    body.update(fields)
    response = await admin_client.post("/api/servers", json=body)
    assert response.status_code == 201, await response.get_json()
    return (await response.get_json())["id"]


async def update(admin_client: Any, server_id: int, **fields: Any) -> None:
    response = await admin_client.patch(f"/api/servers/{server_id}", json=fields)
    assert response.status_code == 200, await response.get_json()


def seeded_chunks(size: int, seed: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    """``size`` reproducible pseudo-random bytes, made on the fly (never all in memory)."""
    rng = random.Random(seed)
    left = size
    while left:
        n = min(chunk, left)
        yield rng.randbytes(n)
        left -= n


def seeded_digest(size: int, seed: int) -> str:
    digest = hashlib.sha256()
    for piece in seeded_chunks(size, seed):
        digest.update(piece)
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while piece := handle.read(1 << 20):
            digest.update(piece)
    return digest.hexdigest()


def rss_bytes() -> int:
    """This process's resident set size (the gateway runs in it)."""
    import os

    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


async def audit(admin_client: Any, action: str = "files.*", **filters: Any) -> list[dict]:
    """Audit entries (newest first) as an administrator sees them."""
    response = await admin_client.get(
        "/api/audit", query_string={"action": action, "limit": 500, **filters}
    )
    assert response.status_code == 200, await response.get_json()
    return (await response.get_json())["entries"]


async def error_of(response: Any) -> tuple[int, str]:
    body = await response.get_json()
    return response.status_code, body["error"]["code"]


def multipart(files: dict[str, bytes], boundary: str = "sshgate-test-boundary") -> dict:
    """Keyword arguments for a test client POST of ``multipart/form-data`` files."""
    body = bytearray()
    for name, content in files.items():
        body += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="file"; filename="{name}"'
        body += f"Content-Disposition: {disposition}\r\n".encode()
        body += b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return {
        "data": bytes(body),
        "headers": {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    }
