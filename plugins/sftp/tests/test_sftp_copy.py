"""Copy between two servers through the gateway (SFTP-8), with the checks on both ends."""

from __future__ import annotations

import os

import pytest
from sftp_helpers import audit, error_of, register, update

from sshgate.api import hookimpl


class NoCopiesIntoArchive:
    @hookimpl
    def before_file_transfer(self, server, operation, path):
        if operation == "copy" and path.startswith("/archive/"):
            return f"{server.name}: /archive is write-once"
        return None


@pytest.fixture
def sshgate_plugins():
    return [NoCopiesIntoArchive()]


@pytest.fixture
async def second(admin_client, ssh_server_factory, tmp_path):
    root = tmp_path / "second"
    root.mkdir()
    server = await ssh_server_factory(sftp_root=root)
    return await register(admin_client, server, name="second"), root


async def test_copy_to_another_server(client, files_server, second, admin_client):
    target_id, root = second
    data = os.urandom(2_500_000)
    files_server.local("src.bin").write_bytes(data)
    (root / "in").mkdir()
    url = files_server.url("copy-to")
    body = {"path": "/src.bin", "target_server_id": target_id, "target_path": "/in/dst.bin"}
    response = await client.post(url, json=body)
    result = await response.get_json()
    assert response.status_code == 201, result
    assert result == {
        "path": "/src.bin",
        "target_server_id": target_id,
        "target_path": "/in/dst.bin",
        "size": 2_500_000,
    }
    assert (root / "in/dst.bin").read_bytes() == data
    assert await error_of(await client.post(url, json=body)) == (409, "exists")
    into = await client.post(url, json={**body, "target_path": "/in"})
    assert (await into.get_json())["target_path"] == "/in/src.bin"
    entries = await audit(admin_client, "files.copy")
    assert [e["outcome"] for e in entries] == ["success", "failure", "success"]
    details = entries[0]["details"]
    assert (details["target_server"], details["bytes"]) == ("second", 2_500_000)


async def test_copy_checks_both_ends(client, files_server, second, admin_client, make_client):
    target_id, root = second
    files_server.local("src.txt").write_text("s")
    (root / "archive").mkdir()
    url = files_server.url("copy-to")
    body = {"path": "/src.txt", "target_server_id": target_id, "target_path": "/archive/s"}
    response = await client.post(url, json=body)
    assert await error_of(response) == (403, "vetoed")
    assert "second: /archive is write-once" in (await response.get_json())["error"]["message"]
    await update(admin_client, target_id, sftp_allowed_paths=["/allowed"])
    response = await client.post(url, json={**body, "target_path": "/elsewhere"})
    assert await error_of(response) == (403, "path_forbidden")
    await update(admin_client, target_id, sftp_read_only=True)
    assert await error_of(await client.post(url, json=body)) == (403, "read_only")
    await update(admin_client, target_id, group="ops")  # alice cannot see it any more
    assert (await client.post(url, json=body)).status_code == 404
    response = await client.post(url, json={**body, "path": "/missing"})
    assert response.status_code == 404
    assert os.listdir(root / "archive") == []
