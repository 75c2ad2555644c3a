"""Streamed ZIP archives (SFTP-2): a folder of 1,000 files, several selections, and what
cannot go in listed in sshgate-errors.txt."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from sftp_helpers import audit, error_of

from sshgate.api import hookimpl


class NoSecrets:
    """Vetoes downloads of files named secret*."""

    @hookimpl
    def before_file_transfer(self, operation, path):
        if operation == "download" and os.path.basename(path).startswith("secret"):
            return "secrets stay on the server"
        return None


@pytest.fixture
def sshgate_plugins():
    return [NoSecrets()]


async def test_a_folder_of_1000_files(client, files_server, admin_client):
    t = files_server
    expected = {}
    for i in range(1000):
        folder = f"tree/d{i % 10}"
        os.makedirs(t.local(folder), exist_ok=True)
        content = (f"file {i}\n" * (i % 50 + 1)).encode()
        t.local(f"{folder}/f{i}.txt").write_bytes(content)
        expected[f"tree/d{i % 10}/f{i}.txt"] = content
    t.local("tree/empty").mkdir()
    response = await client.get(t.url("download-zip"), query_string={"path": "/tree"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="tree.zip"')
    archive = zipfile.ZipFile(io.BytesIO(await response.get_data()))
    assert archive.testzip() is None
    files = {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
    assert files == expected
    dirs = {i.filename for i in archive.infolist() if i.is_dir()}
    assert {"tree/", "tree/empty/", "tree/d0/"} <= dirs
    (entry,) = await audit(admin_client, "files.download_zip")
    assert entry["details"]["paths"] == ["/tree"]


async def test_a_selection_with_errors_listed_inside(client, files_server, admin_client):
    t = files_server
    for folder in ("a/x", "b/x"):
        os.makedirs(t.local(folder))
        t.local(f"{folder}/same.txt").write_text(folder)
    t.local("a/secret.key").write_text("k")
    os.symlink("/etc/passwd", t.local("a/passwd-link"))
    os.mkfifo(t.local("a/pipe"))
    t.local("top.bin").write_bytes(os.urandom(10_000))
    response = await client.post(
        t.url("download-zip"), json={"paths": ["/a/x", "/b/x", "/a", "/top.bin"]}
    )
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(await response.get_data()))
    assert archive.testzip() is None
    names = set(archive.namelist())
    assert {"x/same.txt", "x (2)/same.txt", "a/x/same.txt", "top.bin"} <= names
    assert archive.read("x (2)/same.txt") == b"b/x"
    assert archive.read("top.bin") == t.local("top.bin").read_bytes()
    errors = archive.read("sshgate-errors.txt").decode()
    assert "a/secret.key: vetoed: secrets stay on the server" in errors
    assert "a/passwd-link: skipped (symbolic link)" in errors
    assert "a/pipe: skipped (special file)" in errors
    assert not any("secret.key" in n or "passwd" in n for n in names)
    (entry,) = await audit(admin_client, "files.download_zip")
    assert entry["details"]["errors"] == 3 and entry["details"]["files"] == 4


async def test_zip_refusals_come_before_the_archive(client, files_server):
    t = files_server
    t.local("secret.txt").write_text("s")
    response = await client.get(t.url("download-zip"), query_string={"path": "/secret.txt"})
    assert await error_of(response) == (403, "vetoed")
    response = await client.get(t.url("download-zip"), query_string={"path": "/missing"})
    assert await error_of(response) == (404, "not_found")
    response = await client.get(t.url("download-zip"))
    assert await error_of(response) == (400, "validation_error")
