"""The ``sshgate`` command as a user runs it: real processes, real Hypercorn."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

STRONG_KEY = "k" * 48


def run_cli(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sshgate", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        timeout=timeout,
    )


def get(url: str, **options: Any) -> httpx.Response:
    """GET with a generous bound: a loaded CI machine can stall a worker for seconds."""
    return httpx.get(url, timeout=30, **options)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(
    env: dict[str, str], *args: str, prefix: str = ""
) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sshgate", "serve", "--port", str(port), *args],
        env={"PATH": "/usr/bin:/bin", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}{prefix}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"sshgate serve exited {proc.returncode}: {proc.stdout.read()}")
            try:
                if httpx.get(f"{base}/api/health", timeout=10).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("sshgate serve did not answer within 60 s")
            time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sshgate: error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_bad_setting_is_one_line():
    result = run_cli("migrate", env={"SSHGATE_PORT": "eighty"})
    assert_one_line_error(result, "SSHGATE_PORT", "'eighty'")


def test_unreachable_database_is_one_line():
    url = "postgresql+asyncpg://postgres:hunter2@127.0.0.1:1/sshgate"
    result = run_cli("migrate", env={"SSHGATE_DB_URL": url})
    assert_one_line_error(result, "database unreachable", "127.0.0.1:1")
    assert "hunter2" not in result.stderr


def test_misspelled_hookimpl_in_an_installed_plugin_is_one_line(tmp_path):
    # A real distribution on sys.path: importlib.metadata finds its entry point.
    (tmp_path / "sshgate_typo.py").write_text(
        "from sshgate.api import hookimpl\n\n@hookimpl\ndef startpu(app):\n    pass\n"
    )
    info = tmp_path / "sshgate_typo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sshgate-typo\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[sshgate]\ntypo = sshgate_typo\n")
    result = run_cli("plugins", env={"PYTHONPATH": str(tmp_path)})
    assert_one_line_error(result, "plugin typo", "unknown hook 'startpu'", "'startup'")
    # Disabling the broken plugin lets sshgate start again.
    ok = run_cli("plugins", env={"PYTHONPATH": str(tmp_path), "SSHGATE_DISABLE_PLUGINS": "typo"})
    assert ok.returncode == 0 and "typo" not in ok.stdout


@pytest.mark.parametrize("key", [None, "change-me-in-production", "tiny-key-9"])
def test_serve_refuses_a_weak_secret_key_off_loopback(key):
    env = {"SSHGATE_HOST": "0.0.0.0", "SSHGATE_DB_URL": "sqlite+aiosqlite:///:memory:"}
    if key is not None:
        env["SSHGATE_SECRET_KEY"] = key
    result = run_cli("serve", env=env)
    assert_one_line_error(result, "SSHGATE_SECRET_KEY", "refusing to listen on 0.0.0.0")
    if key:
        assert key not in result.stderr


def test_serve_on_loopback_warns_about_a_missing_key_and_answers(tmp_path):
    env = {"SSHGATE_HOST": "127.0.0.1", "SSHGATE_DB_URL": f"sqlite+aiosqlite:///{tmp_path}/s.db"}
    with serving(env) as (base, proc):
        health = get(f"{base}/api/health").json()
        assert health["status"] == "ok"
        docs = get(f"{base}/docs")
        assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.text
        assert get(f"{base}/openapi.json").json()["info"]["title"] == "sshgate"
    output = proc.stdout.read()
    assert "SSHGATE_SECRET_KEY is not set" in output


def test_serve_under_a_sub_path(tmp_path):
    env = {
        "SSHGATE_HOST": "127.0.0.1",
        "SSHGATE_SECRET_KEY": STRONG_KEY,
        "SSHGATE_ROOT_PATH": "/gate",
        "SSHGATE_DB_URL": f"sqlite+aiosqlite:///{tmp_path}/s.db",
    }
    with serving(env, prefix="/gate") as (base, _):
        root = base.removesuffix("/gate")
        assert get(f"{base}/").status_code == 200
        assert get(f"{base}/docs").status_code == 200
        assert get(f"{base}/static/app/main.js").status_code == 200
        bare = get(base, follow_redirects=False)
        assert bare.status_code == 308 and bare.headers["location"] == "/gate/"
        outside = get(f"{root}/api/health")
        assert outside.status_code == 404
        assert outside.json()["error"]["code"] == "not_found"


def test_serve_with_several_workers_on_one_database(db_url):
    env = {"SSHGATE_HOST": "127.0.0.1", "SSHGATE_SECRET_KEY": STRONG_KEY, "SSHGATE_DB_URL": db_url}
    with serving(env, "--workers", "2") as (base, _):
        answers = [get(f"{base}/api/health") for _ in range(20)]
        assert {a.json()["status"] for a in answers} == {"ok"}
        status = run_cli("db-status", "--check", env={"SSHGATE_DB_URL": db_url})
        assert status.returncode == 0, status.stdout + status.stderr
        assert "pending: none" in status.stdout


def test_db_status_check_exits_1_when_migrations_are_pending(tmp_path):
    env = {"SSHGATE_DB_URL": f"sqlite+aiosqlite:///{tmp_path}/pending.db"}
    pending = run_cli("db-status", "--check", env=env)
    assert pending.returncode == 1
    assert "pending: core_0001" in pending.stdout
    assert run_cli("migrate", env=env).returncode == 0
    assert run_cli("db-status", "--check", env=env).returncode == 0


def test_version_flag():
    result = run_cli("--version", env={})
    assert result.returncode == 0 and "version" in result.stdout
