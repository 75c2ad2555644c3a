"""4. SFTP download and upload of one big file: MB/s, and the gateway's peak RSS growth
during the transfer (sampled every 50 ms). The raw reference is OpenSSH ``sftp`` in batch
mode, timed between two prompts so that its connection setup is not counted; the gateways'
first request (connection pool warm-up) is not counted either."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from .. import procstat
from ..context import Bench
from ..peers import Webgate
from ..sshgate_gw import SFTP_DOWNLOAD, SFTP_UPLOAD, Sshgate

SCENARIO = "4 sftp"
CHUNK = 1 << 20
SYSTEMS = ("ssh", "sshgate", "webssh", "webgate")


async def run(bench: Bench) -> None:
    results = bench.results
    size = f"{bench.sizes.sftp_size / 1e6:g} MB"
    for way in ("download", "upload"):
        results.row(
            f"sftp.{way}.mbps",
            SCENARIO,
            f"{way} {size}: MB/s (ssh = sftp {'get' if way == 'download' else 'put'})",
            "MB/s",
            higher_is_better=True,
            reference="ssh",
        )
        results.row(
            f"sftp.{way}.rss",
            SCENARIO,
            f"{way}: gateway peak RSS growth MB",
            "MB",
            higher_is_better=False,
        )
    systems = [s for s in bench.systems if s in SYSTEMS]
    for system in bench.systems:
        if system not in systems:
            results.mark_na("sftp.", system, "not measured (ssh's sftp is the raw reference)")
    for system in list(systems):
        gateway = bench.gateways.get(system)
        if gateway is not None and gateway.caps.sftp:
            results.mark_na("sftp.", system, gateway.caps.sftp)
            systems.remove(system)
    for system in systems:  # warm-up: connection pools, first-request costs
        if system != "ssh":
            await bench.attempt(f"sftp warm-up {system}", lambda s=system: _warm(bench, s))
    for repeat in range(bench.sizes.repeats):
        for way in ("download", "upload"):
            for system in systems:
                await bench.attempt(
                    f"sftp {way} {system} #{repeat + 1}", lambda s=system, w=way: _one(bench, s, w)
                )


def _size(path: Path) -> int:
    return path.stat().st_size


def _scratch() -> Path:
    return Path(tempfile.gettempdir()) / f"sshgate-bench-{os.getpid()}.bin"


async def _one(bench: Bench, system: str, way: str) -> None:
    remote = bench.files["sftp"]
    upload_to = bench.target.workdir / f"upload-{system}.bin"
    size = remote.stat().st_size
    gateway = bench.gateways.get(system)
    peak = procstat.PeakRSS(gateway.pid) if gateway is not None else None
    scratch = _scratch()
    smoke = bench.sizes.mode == "smoke"
    try:
        if peak is not None:
            peak.__enter__()
        start = time.perf_counter()
        if system == "ssh":
            moved, seconds = await _sftp_cli(bench, way, remote, upload_to, scratch)
            if smoke and way == "download":
                _digests["ssh"] = hashlib.sha256(scratch.read_bytes()).hexdigest()
        elif isinstance(gateway, Sshgate):
            moved = await _sshgate(gateway, way, remote, upload_to, smoke)
            seconds = time.perf_counter() - start
        elif isinstance(gateway, Webgate):
            moved = await _webgate(gateway, way, remote, upload_to, smoke)
            seconds = time.perf_counter() - start
        else:
            raise RuntimeError(f"no SFTP client for {system}")
    finally:
        if peak is not None:
            peak.__exit__()
        scratch.unlink(missing_ok=True)
    if way == "upload":
        moved = upload_to.stat().st_size if upload_to.exists() else 0
        same = moved == size and (not smoke or upload_to.read_bytes() == remote.read_bytes())
        upload_to.unlink(missing_ok=True)
    else:
        same = moved == size
        if smoke:
            expected = hashlib.sha256(remote.read_bytes()).hexdigest()
            same = same and expected in _digests.values()
            _digests.clear()
    if smoke or not same:
        bench.results.check(f"sftp {way} via {system}", same)
    mbps = size / seconds / 1e6
    bench.results.rows[f"sftp.{way}.mbps"].add(system, mbps)
    growth = ""
    if peak is not None:
        bench.results.rows[f"sftp.{way}.rss"].add(system, peak.growth / 1e6)
        growth = f"  peak RSS +{peak.growth / 1e6:.0f} MB"
    bench.log(f"  sftp   {system:8} {way:8} {mbps:7.1f} MB/s{growth}")


# -- raw OpenSSH sftp ------------------------------------------------------------------------


async def _sftp_cli(
    bench: Bench, way: str, remote: Path, upload_to: Path, scratch: Path
) -> tuple[int, float]:
    """``sftp -b -``: connect, sync on a ``pwd``, then time one get/put up to the next."""
    if way == "upload":
        await asyncio.to_thread(shutil.copyfile, remote, scratch)
    argv = [*bench.target.ssh_argv("sftp", "-b", "-"), bench.target.destination()]
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        await _sftp_do(proc, None)
        command = f"get {remote} {scratch}" if way == "download" else f"put {scratch} {upload_to}"
        started = time.perf_counter()
        await _sftp_do(proc, command)
        seconds = time.perf_counter() - started
    finally:
        proc.stdin.close()
        await proc.wait()
    return (_size(scratch) if way == "download" else 0), seconds


async def _sftp_do(proc: asyncio.subprocess.Process, command: str | None) -> None:
    """Run ``command`` (None: nothing), then ``pwd``; return when pwd has answered."""
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(f"{command}\npwd\n".encode() if command else b"pwd\n")
    await proc.stdin.drain()
    while True:
        line = await asyncio.wait_for(proc.stdout.readline(), 600)
        if not line:
            raise EOFError(f"sftp ended during {command!r}")
        if line.startswith(b"Remote working directory"):
            return


# -- gateways --------------------------------------------------------------------------------


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as source:
        while block := source.read(CHUNK):
            yield block


# Smoke mode keeps a digest of what came down, to compare with the file.
_digests: dict[str, str] = {}


async def _download(client: httpx.AsyncClient, url: str, path: str, verify: bool = False) -> int:
    received = 0
    digest = hashlib.sha256() if verify else None
    async with client.stream("GET", url, params={"path": path}) as response:
        if response.status_code != 200:
            await response.aread()
            raise RuntimeError(f"download -> {response.status_code}: {response.text[:300]}")
        async for block in response.aiter_bytes(CHUNK):
            received += len(block)
            if digest is not None:
                digest.update(block)
    if digest is not None:
        _digests[url] = digest.hexdigest()
    return received


async def _sshgate(gate: Sshgate, way: str, remote: Path, upload_to: Path, verify: bool) -> int:
    async with gate.http() as client:
        if way == "download":
            return await _download(
                client, SFTP_DOWNLOAD.format(server_id=gate.server_id), str(remote), verify
            )
        url = SFTP_UPLOAD.format(server_id=gate.server_id)
        if gate.upload_style == "put":
            response = await client.put(
                url,
                params={"path": str(upload_to), "overwrite": "1"},
                content=_chunks(remote),
                headers={
                    "Content-Length": str(_size(remote)),
                    "Content-Type": "application/octet-stream",
                },
            )
        else:
            with remote.open("rb") as source:
                response = await client.post(
                    url,
                    params={"path": str(upload_to.parent), "overwrite": "1"},
                    files={"file": (upload_to.name, source, "application/octet-stream")},
                )
        if response.status_code not in (200, 201, 204):
            raise RuntimeError(f"upload -> {response.status_code}: {response.text[:300]}")
    return 0


async def _webgate(gate: Webgate, way: str, remote: Path, upload_to: Path, verify: bool) -> int:
    async with gate.http() as client:
        url = f"/api/files/{gate.server_id}/{way}"
        if way == "download":
            return await _download(client, url, str(remote), verify)
        with remote.open("rb") as source:
            response = await client.post(
                url,
                params={"path": str(upload_to.parent)},
                files={"files": (upload_to.name, source, "application/octet-stream")},
            )
        if response.status_code not in (200, 201):
            raise RuntimeError(f"upload -> {response.status_code}: {response.text[:300]}")
    return 0


async def _warm(bench: Bench, system: str) -> None:
    gateway = bench.gateways[system]
    small = bench.files["random"]
    if isinstance(gateway, Sshgate):
        async with gateway.http() as client:
            await _download(client, SFTP_DOWNLOAD.format(server_id=gateway.server_id), str(small))
    elif isinstance(gateway, Webgate):
        async with gateway.http() as client:
            await _download(client, f"/api/files/{gateway.server_id}/download", str(small))
