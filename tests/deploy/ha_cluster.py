"""Three real ``sshgate serve`` workers on one PostgreSQL and the local Redis, behind nginx
doing plain round-robin with WebSocket upgrade and no stickiness: the shape compose.ha.yml
deploys (DEP-3), on loopback.

Everything here is synchronous: the browser test drives Chromium through Playwright's sync
API, which owns the test thread's event loop.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sshgate.testing.browser import (
    START_TIMEOUT,
    ApiFailure,
    SshgateProcess,
    free_port,
    start_sshgate,
    stop_sshgate,
)
from sshgate.testing.services import unavailable

ROLE = "monitoring.probe"
LEASE_TTL = 3  # seconds: a dead prober is replaced within TTL (+ TTL / 3, the renewal period)

# The compose proxy's location block (deploy/nginx/nginx.conf), with a static upstream list
# in place of Docker's DNS: round-robin is nginx's default, and nothing pins a client.
NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{
    worker_connections 1024;
}}
http {{
    log_format upstream '$request_method $uri $status -> $upstream_addr';
    access_log {prefix}/access.log upstream;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      close;
    }}
    upstream sshgate {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 0;
        location / {{
            proxy_pass http://sshgate;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            # $http_host keeps the port: sshgate compares a WebSocket's Origin with Host,
            # and $host (no port) would refuse every socket of a proxy on a port of its own.
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_buffering off;
            proxy_request_buffering off;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }}
    }}
}}
"""


def nginx_binary() -> str:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        unavailable("nginx (apt-get install -y --no-install-recommends nginx)")
    return nginx


def start_proxy(folder: Path, upstreams: list[int]) -> tuple[str, subprocess.Popen[bytes]]:
    """nginx on a free loopback port in front of ``upstreams``; returns its URL once it
    forwards ``api/health``."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstreams)
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=folder, servers=servers, port=port))
    nginx = nginx_binary()
    check = subprocess.run(
        [nginx, "-t", "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [nginx, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url + "api/health", timeout=10) as answer:
                if answer.status == 200:
                    return url, process
        except OSError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"nginx did not forward api/health:\n{(folder / 'error.log').read_text()}")


@dataclass
class Cluster:
    """The workers (by index), their instance ids, and the proxy as an ``SshgateProcess``
    whose ``url`` is the only address the browser uses."""

    workers: list[SshgateProcess]
    proxy: SshgateProcess
    instance_ids: list[str] = field(default_factory=list)

    def index_of(self, instance_id: str) -> int:
        return self.instance_ids.index(instance_id)

    def health(self, index: int) -> dict[str, object] | None:
        """A worker's own ``api/health``, asked directly (not through the proxy); None when
        it does not answer."""
        try:
            answer = self.workers[index].call("GET", "api/health")
        except (OSError, ApiFailure, ValueError):
            return None
        return dict(answer)

    def alive(self, index: int) -> bool:
        return self.workers[index].process.poll() is None

    def prober_holders(self) -> list[int]:
        """The live workers that say they hold the monitoring lease."""
        held = []
        for index in range(len(self.workers)):
            health = self.health(index) if self.alive(index) else None
            roles = health.get("roles") if health else None
            if isinstance(roles, dict) and roles.get(ROLE):
                held.append(index)
        return held

    def kill(self, index: int) -> None:
        """SIGKILL: the worker gets no chance to close sockets, withdraw announcements or give
        up its leases, as when a host dies."""
        process = self.workers[index].process
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def worker_env(db_url: str, redis_url: str) -> dict[str, str]:
    return {
        "SSHGATE_DB_URL": db_url,
        "SSHGATE_REDIS_URL": redis_url,
        # The cap counts shells in Redis per user id, which other test databases on this
        # machine's Redis share: high enough that their leftovers never refuse ours.
        "SSHGATE_MAX_SESSIONS_PER_USER": "100",
        "SSHGATE_MONITOR_INTERVAL": "0.5",
        "SSHGATE_MONITOR_TIMEOUT": "3",
        "SSHGATE_MONITOR_LEASE_TTL": str(LEASE_TTL),
    }


def start_cluster(folder: Path, db_url: str, redis_url: str, count: int = 3) -> Cluster:
    env = worker_env(db_url, redis_url)
    for i in range(count):
        (folder / f"worker-{i}").mkdir(parents=True)
    # The first worker creates the schema and the bootstrap admin alone; the others then
    # start together on a database that is ready.
    workers = [start_sshgate(folder / "worker-0", env)]
    try:
        with ThreadPoolExecutor(count - 1) as pool:
            futures = [
                pool.submit(start_sshgate, folder / f"worker-{i}", env) for i in range(1, count)
            ]
            for future in futures:
                workers.append(future.result())
        url, nginx = start_proxy(folder / "proxy", [_port(w) for w in workers])
    except BaseException:
        for worker in workers:
            stop_sshgate(worker)
        raise
    proxy = SshgateProcess(url, nginx, folder / "proxy" / "error.log")
    cluster = Cluster(workers, proxy)
    cluster.instance_ids = [str(w.call("GET", "api/health")["instance_id"]) for w in workers]
    return cluster


def stop_cluster(cluster: Cluster) -> None:
    cluster.proxy.process.terminate()
    try:
        cluster.proxy.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        cluster.proxy.process.kill()
    for worker in cluster.workers:
        if worker.process.poll() is None:
            stop_sshgate(worker)


def _port(worker: SshgateProcess) -> int:
    port = worker.url.rstrip("/").rsplit(":", 1)[1]
    return int(port)


def upstream_log(cluster: Cluster) -> list[str]:
    """nginx's access log: which worker served each request (for a failure message)."""
    path = Path(cluster.proxy.log_path).with_name("access.log")
    return path.read_text().splitlines() if path.exists() else []


def dump(value: object) -> str:
    return json.dumps(value, indent=1, default=str)
