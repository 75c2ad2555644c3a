"""sshgate itself: ``.venv/bin/sshgate serve`` in one worker, SQLite in a temp dir, set up
through its public API (first login, forced password change, one registered server)."""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import websockets

from .gateway import (
    Capabilities,
    Process,
    expect,
    free_port,
    log_path,
    random_password,
    wait_http,
)
from .target import Target
from .terminals import SshgateTerm, ws_options

SFTP_DOWNLOAD = "/api/files/{server_id}/download"
SFTP_UPLOAD = "/api/files/{server_id}/upload"


def installed_plugins() -> set[str]:
    """Entry points of the ``sshgate`` group in this environment (the SFTP plugin's settings
    may only be set when it is installed: unknown SSHGATE_* variables stop start-up)."""
    return {ep.name for ep in importlib.metadata.entry_points(group="sshgate")}


def sshgate_executable() -> str:
    here = Path(sys.executable).parent / "sshgate"
    return str(here) if here.exists() else "sshgate"


@dataclass
class Sshgate:
    name = "sshgate"
    proc: Process
    base: str
    token: str
    server_id: int
    caps: Capabilities
    upload_style: str = ""

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def ws_base(self) -> str:
        return "ws" + self.base.removeprefix("http")

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def http(self, timeout: float = 600) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base, headers=self.headers(), timeout=timeout)

    def terminal_url(self, cols: int = 80, rows: int = 24) -> str:
        return f"{self.ws_base}/api/ws/terminal/{self.server_id}?cols={cols}&rows={rows}"

    async def open_terminal(
        self, *, deflate: bool = True, cols: int = 80, rows: int = 24
    ) -> SshgateTerm:
        return await SshgateTerm.open(self.terminal_url(cols, rows), self.token, deflate=deflate)

    async def share(self, session_id: str, mode: str = "ro") -> str:
        async with self.http(60) as client:
            body = expect(
                await client.post(
                    f"/api/terminal/sessions/{session_id}/shares", json={"mode": mode}
                ),
                200,
                201,
            )
        return str(body["token"])

    async def join(self, token: str, *, deflate: bool = True) -> SshgateTerm:
        url = f"{self.ws_base}/api/ws/terminal/join"
        term = await SshgateTerm.open(url, self.token, deflate=deflate, hello=False)
        await term.ws.send(json.dumps({"type": "join", "token": token}))
        await term.expect_session()
        return term

    async def sessions(self) -> list[dict[str, object]]:
        async with self.http(60) as client:
            body = expect(await client.get("/api/terminal/sessions"))
        return list(body.get("sessions", body) if isinstance(body, dict) else body)

    def stop(self) -> None:
        self.proc.stop()


async def _sftp_routes(gate: Sshgate) -> tuple[str | None, str]:
    """The SFTP plugin's transfer routes, from the app's OpenAPI document: (n/a reason or
    None, the upload style "put" (raw body) or "post" (multipart))."""
    async with gate.http(30) as client:
        response = await client.get("/openapi.json")
    paths = response.json().get("paths", {}) if response.status_code == 200 else {}
    download = paths.get(SFTP_DOWNLOAD, {})
    upload = paths.get(SFTP_UPLOAD, {})
    if not paths:  # no OpenAPI document: ask the route itself
        async with gate.http(30) as client:
            probe = await client.get(
                SFTP_DOWNLOAD.format(server_id=gate.server_id), params={"path": "/"}
            )
        if "no such resource" in probe.text:
            return "n/a (plugin not installed)", ""
        return None, "put"
    if "get" not in download:
        return "n/a (plugin not installed)", ""
    if "put" in upload:
        return None, "put"
    if "post" in upload:
        return None, "post"
    return "n/a (plugin has no upload route)", ""


@contextlib.asynccontextmanager
async def running_sshgate(
    target: Target,
    *,
    max_sessions: int = 2000,
    log_dir: Path | None = None,
    extra_env: dict[str, str] | None = None,
    log_name: str = "sshgate",
) -> AsyncIterator[Sshgate]:
    """One sshgate worker on ``target``; ``extra_env`` adds settings (the recording bench
    turns recording on this way)."""
    tmp = Path(tempfile.mkdtemp(prefix="sshgate-bench-gw-"))
    port = free_port()
    admin_password = random_password()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SSHGATE_")},
        "SSHGATE_HOST": "127.0.0.1",
        "SSHGATE_PORT": str(port),
        "SSHGATE_SECRET_KEY": secrets.token_urlsafe(48),
        "SSHGATE_DB_URL": f"sqlite+aiosqlite:///{tmp / 'sshgate.db'}",
        "SSHGATE_ADMIN_PASSWORD": admin_password,
        "SSHGATE_SESSION_TIMEOUT": "0",
        "SSHGATE_MAX_SESSIONS_PER_USER": str(max_sessions),
        "SSHGATE_TERMINAL_GRACE_PERIOD": "0",
        "SSHGATE_PASSWORD_HASH_ROUNDS": "4",
        "SSHGATE_LOG_LEVEL": "warning",
        # Exists only to test the plugin platform (./test.sh installs it): not part of a run.
        "SSHGATE_DISABLE_PLUGINS": "testplugin",
    }
    if "sftp" in installed_plugins():
        env["SSHGATE_SFTP_MAX_UPLOAD_SIZE"] = "0"  # no limit (default 100 MiB; the file is 200 MB)
    env.update(extra_env or {})
    proc = Process(
        [sshgate_executable(), "serve", "--workers", "1"], env, log_path(log_dir or tmp, log_name)
    )
    proc.start()
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_http(proc, f"{base}/api/auth/me")
        token = await _bootstrap(base, admin_password, target)
        server_id = await _register(base, token, target)
        gate = Sshgate(proc, base, token, server_id, Capabilities())
        gate.caps.sftp, gate.upload_style = await _sftp_routes(gate)
        yield gate
    finally:
        proc.stop()
        shutil.rmtree(tmp, ignore_errors=True)


async def _bootstrap(base: str, admin_password: str, target: Target) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        body = expect(
            await client.post(
                "/api/auth/login",
                json={"username": "admin", "password": admin_password, "client": "api"},
            )
        )
        token = body["token"]
        new_password = random_password()
        expect(
            await client.post(
                "/api/auth/password",
                json={"current_password": admin_password, "new_password": new_password},
                headers={"Authorization": f"Bearer {token}"},
            )
        )
        me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        if me.status_code != 200:  # the change ended this login too: sign in again
            body = expect(
                await client.post(
                    "/api/auth/login",
                    json={"username": "admin", "password": new_password, "client": "api"},
                )
            )
            token = body["token"]
    return str(token)


async def _register(base: str, token: str, target: Target) -> int:
    async with httpx.AsyncClient(
        base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        body = expect(
            await client.post(
                "/api/servers",
                json={
                    "name": "bench-target",
                    "host": target.host,
                    "port": target.port,
                    "username": target.user,
                    "auth_method": "key",
                    "private_key": target.private_key,
                },
            ),
            200,
            201,
        )
    return int(body["id"])


async def probe_deflate(gate: Sshgate) -> bool:
    """Whether the gateway accepts permessage-deflate when a browser-like client offers it."""
    ws = await websockets.connect(
        gate.terminal_url(), additional_headers=gate.headers(), **ws_options(True)
    )
    try:
        from .terminals import negotiated_deflate

        return negotiated_deflate(ws)
    finally:
        with contextlib.suppress(Exception):
            await ws.send(json.dumps({"type": "close"}))
        await ws.close()
