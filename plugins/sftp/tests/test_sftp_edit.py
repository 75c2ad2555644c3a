"""The editor's read and write (SFTP-5): refusals with clear codes, conflict detection,
atomic saves that keep the file's mode, server encodings."""

from __future__ import annotations

import os
import stat

import pytest
from sftp_helpers import audit, error_of, update


@pytest.fixture
def sshgate_settings_overrides():
    return {"plugin_settings": {"sftp": {"editor_max_size": 4096}}}


async def test_read_answers_content_and_version(client, files_server):
    t = files_server
    t.local("notes.md").write_text("# Título\n", encoding="utf-8")
    response = await client.get(t.url("read"), query_string={"path": "/notes.md"})
    body = await response.get_json()
    assert response.status_code == 200
    assert (body["content"], body["encoding"], body["size"]) == ("# Título\n", "utf-8", 10)
    assert body["mtime"] == int(t.local("notes.md").stat().st_mtime) and len(body["sha256"]) == 64


REFUSED = [
    (b"text\x00with a NUL", 415, "binary"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 415, "binary"),
    (b"caf\xe9 latin-1", 415, "not_utf8"),
    (b"x" * 4097, 413, "too_large"),
]


async def test_read_refuses_what_the_editor_cannot_show(client, files_server, admin_client):
    for content, status, code in REFUSED:
        files_server.local("f").write_bytes(content)
        response = await client.get(files_server.url("read"), query_string={"path": "/f"})
        assert await error_of(response) == (status, code), content[:10]
        assert "/f" in (await response.get_json())["error"]["message"]
    failures = await audit(admin_client, "files.read", outcome="failure")
    assert len(failures) == len(REFUSED)


async def test_read_refuses_directories(client, files_server):
    files_server.local("d").mkdir()
    response = await client.get(files_server.url("read"), query_string={"path": "/d"})
    assert await error_of(response) == (400, "not_a_file")


async def test_a_server_encoding_other_than_utf8_decodes_and_encodes(
    client, admin_client, files_server
):
    t = files_server
    await update(admin_client, t.id, encoding="latin-1")
    t.local("old.txt").write_bytes(b"caf\xe9\n")
    body = await (await client.get(t.url("read"), query_string={"path": "/old.txt"})).get_json()
    assert (body["content"], body["encoding"]) == ("café\n", "latin-1")
    response = await client.post(
        t.url("write"),
        json={
            "path": "/old.txt",
            "content": "crème\n",
            "expected_mtime": body["mtime"],
            "expected_size": body["size"],
        },
    )
    assert response.status_code == 200
    assert t.local("old.txt").read_bytes() == b"cr\xe8me\n"


async def test_write_saves_atomically_and_keeps_the_mode(client, files_server, admin_client):
    t = files_server
    t.local("run.sh").write_text("echo 1\n")
    os.chmod(t.local("run.sh"), 0o750)
    before = await (await client.get(t.url("read"), query_string={"path": "/run.sh"})).get_json()
    inode = t.local("run.sh").stat().st_ino
    response = await client.post(
        t.url("write"),
        json={
            "path": "/run.sh",
            "content": "echo 2\n",
            "expected_mtime": before["mtime"],
            "expected_size": before["size"],
            "expected_sha256": before["sha256"],
        },
    )
    body = await response.get_json()
    assert response.status_code == 200 and body["size"] == 7
    assert t.local("run.sh").read_text() == "echo 2\n"
    assert stat.S_IMODE(t.local("run.sh").stat().st_mode) == 0o750
    assert t.local("run.sh").stat().st_ino != inode  # a new file renamed over the old one
    assert os.listdir(t.root) == ["run.sh"]  # no part file left behind
    (entry,) = await audit(admin_client, "files.write")
    assert entry["outcome"] == "success" and entry["details"]["bytes"] == 7


async def test_write_conflicts_are_409(client, files_server):
    t = files_server
    t.local("a.txt").write_text("one")
    read = await (await client.get(t.url("read"), query_string={"path": "/a.txt"})).get_json()
    t.local("a.txt").write_text("two!")  # someone else saved meanwhile (size changed)
    stale = {
        "path": "/a.txt",
        "content": "mine",
        "expected_mtime": read["mtime"],
        "expected_size": read["size"],
    }
    response = await client.post(t.url("write"), json=stale)
    assert await error_of(response) == (409, "conflict")
    assert (await response.get_json())["error"]["details"]["size"] == 4
    t.local("a.txt").write_text("owt")  # same size, same second: only the hash tells
    os.utime(t.local("a.txt"), (read["mtime"], read["mtime"]))
    response = await client.post(t.url("write"), json={**stale, "expected_sha256": read["sha256"]})
    assert await error_of(response) == (409, "conflict")
    response = await client.post(t.url("write"), json={"path": "/a.txt", "content": "blind"})
    assert await error_of(response) == (409, "exists")
    t.local("a.txt").unlink()
    response = await client.post(t.url("write"), json=stale)
    assert await error_of(response) == (409, "conflict")
    assert not t.local("a.txt").exists()


async def test_write_creates_new_files_and_refuses_oversized_content(client, files_server):
    t = files_server
    response = await client.post(t.url("write"), json={"path": "/new.txt", "content": "hi"})
    assert response.status_code == 200 and t.local("new.txt").read_text() == "hi"
    response = await client.post(t.url("write"), json={"path": "/big.txt", "content": "x" * 5000})
    assert await error_of(response) == (413, "too_large")
    response = await client.post(
        t.url("write"), json={"path": "/x.txt", "content": "x", "extra": 1}
    )
    assert await error_of(response) == (400, "validation_error")
    response = await client.post(
        t.url("write"), data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert await error_of(response) == (400, "invalid_json")


async def test_write_through_a_symlink_edits_its_target(client, files_server):
    t = files_server
    t.local("real.conf").write_text("a=1\n")
    os.symlink(t.local("real.conf"), t.local("link.conf"))
    read = await (await client.get(t.url("read"), query_string={"path": "/link.conf"})).get_json()
    assert read["path"] == "/real.conf"
    response = await client.post(
        t.url("write"),
        json={
            "path": "/link.conf",
            "content": "a=2\n",
            "expected_mtime": read["mtime"],
            "expected_size": read["size"],
        },
    )
    assert response.status_code == 200
    assert os.path.islink(t.local("link.conf")) and t.local("real.conf").read_text() == "a=2\n"
