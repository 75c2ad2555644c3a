"""The image's build and runtime steps, run outside Docker (DEP-1): wheels of core and the
plugins built under the lock, installed into a clean virtualenv from those wheels only,
``sshgate serve`` started from it answers health, serves the page with its own and its
vendored assets, and the Dockerfile's HEALTHCHECK passes at the configured port and
sub-path (and fails at another)."""

from __future__ import annotations

import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from image_steps import build_wheels, clean_venv, healthcheck_argv

from sshgate.testing.browser import SECRET_KEY, START_TIMEOUT, free_port

ROOT_PATH = "/gate"


@dataclass
class Installed:
    bin: Path
    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    tmp = tmp_path_factory.mktemp("image")
    build_wheels(tmp / "wheels")
    bin_dir = clean_venv(tmp / "venv", tmp / "wheels")
    data = tmp / "data"
    data.mkdir()
    port = free_port()
    # The image's ENV, with loopback instead of 0.0.0.0 and a sub-path.
    env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin",
        "HOME": str(data),
        "SSHGATE_DB_URL": f"sqlite+aiosqlite:///{data / 'sshgate.db'}",
        "SSHGATE_DATA_DIR": str(data),
        "SSHGATE_HOST": "127.0.0.1",
        "SSHGATE_PORT": str(port),
        "SSHGATE_ROOT_PATH": ROOT_PATH,
        "SSHGATE_SECRET_KEY": SECRET_KEY,
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(bin_dir / "sshgate"), "serve"], env=env, cwd=data, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}{ROOT_PATH}/"
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while get_or_none(url + "api/health") != 200:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "no health answer:\n" + log.read_text()
            time.sleep(0.2)
        yield Installed(bin_dir, url, env, process, log)
    finally:
        process.terminate()
        process.wait(timeout=30)


def get_or_none(url: str) -> int | None:
    try:
        return get(url)[0]
    except OSError:
        return None


def test_runs_from_the_clean_venv_not_the_work_tree(installed: Installed) -> None:
    where = subprocess.run(
        [
            str(installed.bin / "python"),
            "-c",
            "import sshgate, sshgate_sftp; print(sshgate.__file__, sshgate_sftp.__file__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.count(str(installed.bin.parent)) == 2, where
    plugins = subprocess.run(
        [str(installed.bin / "sshgate"), "plugins"],
        capture_output=True,
        text=True,
        check=True,
        env=installed.env,
    ).stdout
    assert "sftp" in plugins and "recording" in plugins


def test_health_answers(installed: Installed) -> None:
    status, body = get(installed.url + "api/health")
    assert status == 200 and b'"status":"ok"' in body.replace(b" ", b"")


def test_page_and_every_asset_it_names_are_served(installed: Installed) -> None:
    status, page = get(installed.url)
    assert status == 200 and b"<title>sshgate</title>" in page
    assets = re.findall(rb'(?:src|href)="(static/[^"]+)"', page)
    assert assets, page[:500]
    for asset in assets:
        assert get(installed.url + asset.decode())[0] == 200, asset


def test_vendored_libraries_are_in_the_wheel_and_served(installed: Installed) -> None:
    site = next((installed.bin.parent / "lib").glob("python*/site-packages"))
    vendor = site / "sshgate/_frontend/vendor"
    files = [p for p in vendor.rglob("*") if p.suffix in (".js", ".css") and p.is_file()]
    assert any(p.parent.name == "xterm" or "xterm" in p.parts for p in files), files[:5]
    for path in files[:200]:
        relative = path.relative_to(vendor).as_posix()
        assert get(f"{installed.url}static/vendor/{relative}")[0] == 200, relative


def test_dockerfile_healthcheck_honours_port_and_root_path(installed: Installed) -> None:
    argv = healthcheck_argv()
    argv[0] = str(installed.bin / argv[0])  # "python" of the image = the venv's
    ok = subprocess.run(argv, env=installed.env, timeout=30)
    assert ok.returncode == 0
    elsewhere = {**installed.env, "SSHGATE_ROOT_PATH": "/not-here"}
    assert subprocess.run(argv, env=elsewhere, capture_output=True, timeout=30).returncode != 0
