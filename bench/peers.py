"""The peer gateways, each in its own virtualenv under the git-ignored ``bench/.peers/``.

- **webssh** (Tornado + paramiko): ``wssh``; login is a form POST answering a worker id, the
  terminal is ``/ws?id=`` (binary output, JSON ``{"data"}`` input). No accounts, no SFTP, no
  sharing.
- **webgate** (FastAPI + uvicorn + asyncssh): ``python -m webgate``; JWT login as the seeded
  admin/admin (password change forced), servers in a registry, terminal at
  ``/api/ws/terminal/{id}?token=`` (text frames both ways), SFTP under ``/api/files/{id}/``,
  share tokens minted at ``POST /api/terminal/share/{session_id}``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import venv
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
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
from .terminals import Closed, WebgateTerm, WebsshTerm, ws_options

PEERS_DIR = Path(__file__).resolve().parent / ".peers"
PACKAGES: dict[str, list[str]] = {"webssh": ["webssh"], "webgate": ["webgate", "greenlet"]}


def peer_python(name: str) -> Path:
    return PEERS_DIR / name / "bin" / "python"


def ensure_installed(name: str, *, log: bool = True) -> Path:
    """Create ``bench/.peers/<name>`` and pip-install the peer into it, once."""
    python = peer_python(name)
    marker = PEERS_DIR / name / ".bench-installed"
    if python.exists() and marker.exists():
        return python
    if log:
        print(f"installing {name} into {PEERS_DIR / name} ...", file=sys.stderr, flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(PEERS_DIR / name)
    subprocess.run(  # noqa: S603 (fixed argv)
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *PACKAGES[name],
        ],
        check=True,
    )
    marker.write_text(json.dumps(installed_versions(name)))
    return python


def installed_versions(name: str) -> dict[str, str]:
    out = subprocess.run(  # noqa: S603 (fixed argv)
        [
            str(peer_python(name)),
            "-m",
            "pip",
            "list",
            "--format=json",
            "--disable-pip-version-check",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    wanted = {
        "webssh",
        "paramiko",
        "tornado",
        "webgate",
        "fastapi",
        "uvicorn",
        "asyncssh",
        "websockets",
        "greenlet",
    }
    return {p["name"].lower(): p["version"] for p in json.loads(out) if p["name"].lower() in wanted}


# ---------------------------------------------------------------------------------------------
# webssh
# ---------------------------------------------------------------------------------------------


@dataclass
class Webssh:
    name = "webssh"
    proc: Process
    base: str
    target: Target
    caps: Capabilities = field(
        default_factory=lambda: Capabilities(
            sftp="n/a (webssh has no SFTP)", share="n/a (webssh has no session sharing)"
        )
    )

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def open_terminal(
        self, *, deflate: bool = True, cols: int = 80, rows: int = 24
    ) -> WebsshTerm:
        form = {
            "hostname": self.target.host,
            "port": str(self.target.port),
            "username": self.target.user,
            "privatekey": self.target.private_key,
            "term": "xterm-256color",
        }
        async with httpx.AsyncClient(base_url=self.base, timeout=120) as client:
            body = expect(await client.post("/", data=form))
        if not body.get("id"):
            raise Closed(f"webssh refused the login: {body.get('status')}")
        ws_url = "ws" + self.base.removeprefix("http") + f"/ws?id={body['id']}"
        ws = await websockets.connect(ws_url, **ws_options(deflate))
        term = WebsshTerm(ws, encoding=body.get("encoding") or "utf-8")
        await ws.send(json.dumps({"resize": [cols, rows]}))
        return term

    def stop(self) -> None:
        self.proc.stop()


@contextlib.asynccontextmanager
async def running_webssh(target: Target, log_dir: Path) -> AsyncIterator[Webssh]:
    python = ensure_installed("webssh")
    port = free_port()
    # xsrf off: we are an API client, not a page with the cookie; maxconn raised for the
    # idle scenario (it counts live sessions per client address); host keys: accept new.
    argv = [
        str(python.parent / "wssh"),
        "--address=127.0.0.1",
        f"--port={port}",
        "--xsrf=False",
        "--policy=autoadd",
        "--maxconn=100000",
        "--logging=warning",
    ]
    proc = Process(argv, dict(os.environ), log_path(log_dir, "webssh"))
    proc.start()
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_http(proc, base + "/")
        yield Webssh(proc, base, target)
    finally:
        proc.stop()


# ---------------------------------------------------------------------------------------------
# webgate
# ---------------------------------------------------------------------------------------------


@dataclass
class Webgate:
    name = "webgate"
    proc: Process
    base: str
    token: str
    server_id: int
    caps: Capabilities = field(default_factory=Capabilities)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def ws_base(self) -> str:
        return "ws" + self.base.removeprefix("http")

    def http(self, timeout: float = 600) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base, timeout=timeout, headers={"Authorization": f"Bearer {self.token}"}
        )

    async def open_terminal(
        self, *, deflate: bool = True, cols: int = 80, rows: int = 24
    ) -> WebgateTerm:
        url = f"{self.ws_base}/api/ws/terminal/{self.server_id}?token={self.token}"
        ws = await websockets.connect(url, **ws_options(deflate))
        term = WebgateTerm(ws)
        await ws.send(json.dumps({"cols": cols, "rows": rows}))
        first = await ws.recv()
        hello = json.loads(first) if isinstance(first, str) and first.startswith("{") else {}
        if hello.get("type") != "session":
            await term.close()
            raise Closed(f"webgate refused the terminal: {first!r:.300}")
        term.hello = hello
        return term

    async def share(self, session_id: str, mode: str = "ro") -> str:
        async with self.http(60) as client:
            body = expect(await client.post(f"/api/terminal/share/{session_id}"))
        return str(body["token"])

    async def join(self, token: str, *, deflate: bool = True, mode: str = "ro") -> WebgateTerm:
        url = f"{self.ws_base}/api/ws/terminal/join/{token}?mode={mode}&token={self.token}"
        ws = await websockets.connect(url, **ws_options(deflate))
        term = WebgateTerm(ws)
        first = await ws.recv()
        hello = json.loads(first) if isinstance(first, str) and first.startswith("{") else {}
        if hello.get("type") != "joined":
            await term.close()
            raise Closed(f"webgate refused the join: {first!r:.300}")
        term.hello = hello
        return term

    def stop(self) -> None:
        self.proc.stop()


@contextlib.asynccontextmanager
async def running_webgate(target: Target, log_dir: Path) -> AsyncIterator[Webgate]:
    python = ensure_installed("webgate")
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="webgate-bench-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("WEBGATE_")},
        "WEBGATE_HOST": "127.0.0.1",
        "WEBGATE_PORT": str(port),
        "WEBGATE_SECRET_KEY": secrets.token_hex(32),
        "WEBGATE_DB_URL": f"sqlite+aiosqlite:///{tmp / 'webgate.db'}",
        "WEBGATE_RECORDINGS_DIR": str(tmp / "recordings"),
        "WEBGATE_LOG_LEVEL": "warning",
        "WEBGATE_SESSION_TIMEOUT": "0",
        "WEBGATE_MAX_SESSIONS_PER_USER": "0",
        "WEBGATE_MAX_UPLOAD_SIZE": "0",  # 0 = no limit (default 100 MB; the file is 200 MB)
        # Its background connectivity probe would SSH into the target every minute.
        "WEBGATE_DISABLE_MONITOR": "true",
    }
    proc = Process([str(python), "-m", "webgate"], env, log_path(log_dir, "webgate"))
    proc.start()
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_http(proc, base + "/api/health")
        token = await _webgate_bootstrap(base)
        async with httpx.AsyncClient(
            base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            server = expect(
                await client.post(
                    "/api/servers",
                    json={
                        "name": "bench-target",
                        "hostname": target.host,
                        "port": target.port,
                        "username": target.user,
                        "auth_method": "key",
                        "private_key": target.private_key,
                    },
                ),
                200,
                201,
            )
        yield Webgate(proc, base, token, int(server["id"]))
    finally:
        proc.stop()
        shutil.rmtree(tmp, ignore_errors=True)


async def _webgate_bootstrap(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        body = expect(
            await client.post("/api/auth/login", json={"username": "admin", "password": "admin"})
        )
        token = body["access_token"]
        new_password = random_password()
        expect(
            await client.post(
                "/api/auth/change-password",
                json={"new_password": new_password},
                headers={"Authorization": f"Bearer {token}"},
            )
        )
        me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        if me.status_code != 200:
            body = expect(
                await client.post(
                    "/api/auth/login", json={"username": "admin", "password": new_password}
                )
            )
            token = body["access_token"]
    return str(token)
