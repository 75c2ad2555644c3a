"""Resumable uploads (SFTP-4) and interrupted uploads: the old file is never damaged; a
cut upload resumes from the offset the part file shows, even across requests."""

from __future__ import annotations

import asyncio
import os
import socket

import httpx
from sftp_helpers import audit, error_of

PART = ".sshgate-part-"


def part_files(t) -> list[str]:
    return [name for name in os.listdir(t.root) if PART in name]


async def test_resumable_upload_in_chunks(client, files_server, admin_client):
    t = files_server
    data = os.urandom(700_000)
    created = await client.post(t.url("uploads"), json={"path": "/big.bin", "size": len(data)})
    body = await created.get_json()
    assert created.status_code == 201 and (body["offset"], body["size"]) == (0, 700_000)
    upload = t.url(f"uploads/{body['id']}")
    assert len(part_files(t)) == 1 and not t.local("big.bin").exists()
    offset = 0
    for size in (250_000, 250_000, 200_000):
        response = await client.patch(
            upload, data=data[offset : offset + size], headers={"Upload-Offset": str(offset)}
        )
        result = await response.get_json()
        assert response.status_code == 200, result
        offset = result["offset"]
        assert response.headers["Upload-Offset"] == str(offset)
        status = await client.get(upload)
        if not result["complete"]:
            assert (await status.get_json())["offset"] == offset
    assert result["complete"] and result["offset"] == 700_000
    assert t.local("big.bin").read_bytes() == data and part_files(t) == []
    assert (await client.get(upload)).status_code == 404  # the session ended
    (entry,) = await audit(admin_client, "files.upload")
    assert entry["details"]["resumable"] and entry["details"]["bytes"] == 700_000


async def test_resumable_protocol_errors(client, files_server, make_client):
    t = files_server
    t.local("exists.txt").write_text("keep")
    response = await client.post(t.url("uploads"), json={"path": "/exists.txt", "size": 3})
    assert await error_of(response) == (409, "exists")
    response = await client.post(t.url("uploads"), json={"path": "/x", "size": -1})
    assert await error_of(response) == (400, "validation_error")
    created = await (
        await client.post(t.url("uploads"), json={"path": "/x", "size": 10})
    ).get_json()
    upload = t.url(f"uploads/{created['id']}")
    response = await client.patch(upload, data=b"abc", headers={"Upload-Offset": "5"})
    assert await error_of(response) == (409, "offset_mismatch")
    assert (await response.get_json())["error"]["details"]["offset"] == 0
    response = await client.patch(upload, data=b"abc")
    assert await error_of(response) == (400, "bad_offset")
    response = await client.patch(upload, data=b"x" * 11, headers={"Upload-Offset": "0"})
    assert await error_of(response) == (413, "beyond_size")
    listed = await (await client.get(t.url("uploads"))).get_json()
    assert [u["id"] for u in listed["uploads"]] == [created["id"]]
    other = await make_client("carol", groups=["dev"])  # same server, not her upload
    assert (await other.get(upload)).status_code == 404
    assert (await other.delete(upload)).status_code == 404
    response = await client.delete(upload)
    assert response.status_code == 200 and part_files(t) == []
    empty = await client.post(t.url("uploads"), json={"path": "/empty", "size": 0})
    assert (await empty.get_json())["complete"] and t.local("empty").read_bytes() == b""


async def test_upload_status_survives_a_lost_part_file(client, files_server):
    t = files_server
    created = await (await client.post(t.url("uploads"), json={"path": "/y", "size": 5})).get_json()
    for name in part_files(t):
        os.unlink(t.local(name))
    response = await client.get(t.url(f"uploads/{created['id']}"))
    assert await error_of(response) == (410, "gone")


def _cut_request(
    server, method: str, target: str, token: str, headers: dict, length: int, sent: bytes
) -> None:
    """Send a request with a body of ``length`` bytes but only ``sent`` of it, then drop
    the connection (a browser tab closed mid-upload)."""
    with socket.create_connection((server.host, server.port)) as sock:
        lines = [
            f"{method} {target} HTTP/1.1",
            f"Host: {server.host}:{server.port}",
            f"Authorization: Bearer {token}",
            f"Content-Length: {length}",
        ]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + sent)
        sock.shutdown(socket.SHUT_RDWR)


async def _eventually(check, within: float = 30.0):
    """Poll ``check`` until it returns something true; generous: CI machines are loaded."""
    deadline = asyncio.get_running_loop().time() + within
    while not (result := await check()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{check.__name__} still false after {within:g} s")
        await asyncio.sleep(0.05)
    return result


async def test_a_cut_upload_leaves_the_old_file_and_resumes(client, files_server, live_server):
    t = files_server
    old = b"the old version\n"
    t.local("target.bin").write_bytes(old)
    data = os.urandom(3_000_000)
    token = client.token
    base = live_server.url

    # A one-shot PUT cut in the middle: the target is untouched, the part file removed.
    put = f"{t.url('upload')}?path=/target.bin&overwrite=1"
    await asyncio.to_thread(
        _cut_request, live_server, "PUT", put, token, {}, len(data), data[:1_200_000]
    )

    async def part_gone():
        return not part_files(t)

    await _eventually(part_gone)
    assert t.local("target.bin").read_bytes() == old

    # The resumable protocol: a PATCH cut in the middle keeps what arrived.
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as http:
        created = (
            await http.post(
                t.url("uploads"), json={"path": "/target.bin", "size": len(data), "overwrite": True}
            )
        ).json()
        upload = t.url(f"uploads/{created['id']}")
        await asyncio.to_thread(
            _cut_request,
            live_server,
            "PATCH",
            upload,
            token,
            {"Upload-Offset": "0"},
            len(data),
            data[:1_500_000],
        )

        async def settled_offset():
            first = (await http.head(upload)).headers["Upload-Offset"]
            await asyncio.sleep(0.2)
            second = (await http.head(upload)).headers["Upload-Offset"]
            return int(second) if first == second and int(second) > 0 else None

        offset = await _eventually(settled_offset)
        assert 0 < offset <= 1_500_000
        assert t.local("target.bin").read_bytes() == old  # still the old file
        (part,) = part_files(t)
        assert t.local(part).read_bytes() == data[:offset]  # a contiguous prefix
        response = await http.patch(
            upload, content=data[offset:], headers={"Upload-Offset": str(offset)}
        )
        assert response.status_code == 200 and response.json()["complete"]
    assert t.local("target.bin").read_bytes() == data
    assert part_files(t) == []
