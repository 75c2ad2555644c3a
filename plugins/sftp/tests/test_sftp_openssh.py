"""Against the real OpenSSH sshd (internal-sftp, key auth): every operation, the path rules
with real symlinks and realpath, and 200 MB up and down through a real HTTP server with
the gateway's memory measured."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import time
import zipfile

import httpx
import pytest
from sftp_helpers import (
    Target,
    error_of,
    file_digest,
    multipart,
    register,
    rss_bytes,
    seeded_chunks,
    seeded_digest,
)

BIG = 200 * 1024 * 1024
MEMORY_BUDGET = 64 * 1024 * 1024


@pytest.fixture
def sshgate_settings_overrides():
    return {"plugin_settings": {"sftp": {"max_upload_size": 0}}}


@pytest.fixture
async def openssh(admin_client, sshd, tmp_path) -> Target:
    """The real sshd, confined to a fresh directory (its user is root: keep it in /tmp)."""
    root = tmp_path / "openssh"
    root.mkdir()
    server_id = await register(admin_client, sshd, name="openssh", sftp_allowed_paths=[str(root)])
    return Target(server_id, root, str(root))


async def test_every_operation_against_openssh(client, openssh, files_server):
    t = openssh
    t.local("docs").mkdir()
    t.local("docs/readme.txt").write_text("hello\n")
    os.symlink("readme.txt", t.local("docs/link"))  # relative, as people make them
    listing = await (
        await client.get(t.url("ls"), query_string={"path": t.path("docs")})
    ).get_json()
    entries = {e["name"]: e for e in listing["entries"]}
    assert entries["readme.txt"]["owner"] == "root" and entries["readme.txt"]["size"] == 6
    assert (entries["link"]["link_target"], entries["link"]["target_type"]) == (
        "readme.txt",
        "file",
    )
    roots = await (await client.get(t.url("roots"))).get_json()
    assert roots["start"] == t.path() and roots["home"] == "/root"

    assert (await client.post(t.url("mkdir"), json={"path": t.path("up")})).status_code == 201
    data = os.urandom(1_000_000)
    put = await client.put(t.url("upload"), query_string={"path": t.path("up/a.bin")}, data=data)
    assert put.status_code == 201 and t.local("up/a.bin").read_bytes() == data
    many = multipart({"b.txt": b"b" * 100_000, "c.txt": b"c"})
    posted = await client.post(t.url("upload"), query_string={"path": t.path("up")}, **many)
    assert posted.status_code == 201 and t.local("up/c.txt").read_bytes() == b"c"

    read = await (
        await client.get(t.url("read"), query_string={"path": t.path("docs/link")})
    ).get_json()
    assert read["content"] == "hello\n" and read["path"] == t.path("docs/readme.txt")
    saved = await client.post(
        t.url("write"),
        json={
            "path": t.path("docs/readme.txt"),
            "content": "bye\n",
            "expected_mtime": read["mtime"],
            "expected_size": read["size"],
        },
    )
    assert saved.status_code == 200 and t.local("docs/readme.txt").read_text() == "bye\n"
    stale = await client.post(
        t.url("write"),
        json={
            "path": t.path("docs/readme.txt"),
            "content": "x",
            "expected_mtime": read["mtime"],
            "expected_size": read["size"],
        },
    )
    assert await error_of(stale) == (409, "conflict")

    ranged = await client.get(
        t.url("download"),
        query_string={"path": t.path("up/a.bin")},
        headers={"Range": "bytes=999000-"},
    )
    assert ranged.status_code == 206 and await ranged.get_data() == data[999000:]
    renamed = await client.post(
        t.url("rename"), json={"from": t.path("up/a.bin"), "to": t.path("up/z.bin")}
    )
    assert renamed.status_code == 200 and t.local("up/z.bin").exists()
    assert await error_of(
        await client.post(
            t.url("rename"), json={"from": t.path("up/z.bin"), "to": t.path("up/c.txt")}
        )
    ) == (409, "exists")
    mode = await client.post(t.url("chmod"), json={"path": t.path("up/z.bin"), "mode": "0604"})
    assert (await mode.get_json())["permissions"] == "-rw----r--"

    archive = await client.get(t.url("download-zip"), query_string={"path": t.path("up")})
    names = zipfile.ZipFile(io.BytesIO(await archive.get_data())).namelist()
    assert sorted(names) == ["up/", "up/b.txt", "up/c.txt", "up/z.bin"]

    created = await (
        await client.post(t.url("uploads"), json={"path": t.path("up/r.bin"), "size": 300_000})
    ).get_json()
    upload = t.url(f"uploads/{created['id']}")
    first = await client.patch(upload, data=data[:100_000], headers={"Upload-Offset": "0"})
    assert (await first.get_json())["offset"] == 100_000
    head = await client.get(upload)
    assert head.headers["Upload-Offset"] == "100000"
    last = await client.patch(
        upload, data=data[100_000:300_000], headers={"Upload-Offset": "100000"}
    )
    assert (await last.get_json())["complete"]
    assert t.local("up/r.bin").read_bytes() == data[:300_000]

    files_server.local("from-asyncssh.txt").write_text("crossed")
    copied = await client.post(
        files_server.url("copy-to"),
        json={"path": "/from-asyncssh.txt", "target_server_id": t.id, "target_path": t.path("up")},
    )
    assert copied.status_code == 201
    assert t.local("up/from-asyncssh.txt").read_text() == "crossed"

    deleted = await client.post(t.url("delete"), json={"paths": [t.path("up")], "recursive": True})
    assert (await deleted.get_json())["deleted"] == 6  # up and its five files
    assert sorted(os.listdir(t.root)) == ["docs"]


async def test_openssh_path_rules(client, openssh):
    t = openssh
    outside = t.root.parent / "outside"
    outside.mkdir()
    (outside / "secret").write_text("s")
    sibling = t.root.parent / (t.root.name + "X")
    sibling.mkdir()
    os.symlink("../outside", t.local("escape"))
    for path in (
        t.path("escape/secret"),
        str(sibling),
        t.path("../outside/secret"),
        t.path("escape"),
    ):
        response = await client.get(t.url("read"), query_string={"path": path})
        assert await error_of(response) == (403, "path_forbidden"), path
    swap = await client.post(
        t.url("rename"), json={"from": t.path("escape"), "to": str(outside / "x")}
    )
    assert await error_of(swap) == (403, "path_forbidden")
    gone = await client.post(t.url("delete"), json={"paths": [t.path("escape")]})
    assert gone.status_code == 200 and (outside / "secret").read_text() == "s"


async def _sample_rss(peak: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss_bytes())
        await asyncio.sleep(0.02)


async def test_200_mb_up_and_down_with_bounded_memory(client, openssh, live_server):
    t = openssh
    headers = {"Authorization": f"Bearer {client.token}"}
    target = t.path("big.bin")
    async with httpx.AsyncClient(base_url=live_server.url, headers=headers, timeout=120) as http:
        # Warm up: the pooled SFTP session, code paths, buffers.
        await http.put(t.url("upload"), params={"path": t.path("warm")}, content=b"w" * 4_000_000)
        await http.get(t.url("download"), params={"path": t.path("warm")})
        baseline = rss_bytes()
        peak, stop = [baseline], asyncio.Event()
        sampler = asyncio.create_task(_sample_rss(peak, stop))

        async def body():
            for piece in seeded_chunks(BIG, seed=7):
                yield piece

        started = time.monotonic()
        response = await http.put(
            t.url("upload"),
            params={"path": target},
            content=body(),
            headers={"Content-Length": str(BIG)},
        )
        up_seconds = time.monotonic() - started
        assert response.status_code == 201, response.text
        assert file_digest(t.local("big.bin")) == seeded_digest(BIG, seed=7)

        started = time.monotonic()
        digest, received = hashlib.sha256(), 0
        async with http.stream("GET", t.url("download"), params={"path": target}) as streamed:
            assert streamed.status_code == 200
            async for piece in streamed.aiter_bytes():
                digest.update(piece)
                received += len(piece)
        down_seconds = time.monotonic() - started
        stop.set()
        await sampler
    assert received == BIG and digest.hexdigest() == seeded_digest(BIG, seed=7)
    growth = peak[0] - baseline
    print(
        f"\n200 MiB via gateway to OpenSSH: up {BIG / up_seconds / 1e6:.0f} MB/s, "
        f"down {BIG / down_seconds / 1e6:.0f} MB/s, peak RSS growth {growth / 2**20:.1f} MiB"
    )
    assert growth < MEMORY_BUDGET
