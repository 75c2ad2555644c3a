"""``before_file_transfer`` deciders (PLAT-2) veto file operations after the path rules;
every refusal and every write is in the audit log."""

from __future__ import annotations

import pytest
from sftp_helpers import audit, error_of, multipart

from sshgate.api import ServerInfo, hookimpl


class Decider:
    """Vetoes every operation on paths under /locked; remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str]] = []

    @hookimpl
    async def before_file_transfer(self, actor, server, operation, path):
        assert isinstance(server, ServerInfo)
        self.asked.append((actor.username, operation, path))
        if path == "/locked" or path.startswith("/locked/"):
            return f"{operation} on {path} is frozen"
        return None


@pytest.fixture
def decider() -> Decider:
    return Decider()


@pytest.fixture
def sshgate_plugins(decider):
    return [decider]


VETOED = [
    ("get", "ls", {"query_string": {"path": "/locked"}}, "list"),
    ("get", "stat", {"query_string": {"path": "/locked/a.txt"}}, "list"),
    ("get", "read", {"query_string": {"path": "/locked/a.txt"}}, "read"),
    ("get", "download", {"query_string": {"path": "/locked/a.txt"}}, "download"),
    ("put", "upload", {"query_string": {"path": "/locked/n"}, "data": b"x"}, "upload"),
    ("post", "upload", {"query_string": {"path": "/locked"}, **multipart({"n": b"x"})}, "upload"),
    ("post", "uploads", {"json": {"path": "/locked/n", "size": 1}}, "upload"),
    ("post", "write", {"json": {"path": "/locked/n", "content": "x"}}, "write"),
    ("post", "mkdir", {"json": {"path": "/locked/d"}}, "mkdir"),
    ("post", "rename", {"json": {"from": "/free.txt", "to": "/locked/b"}}, "rename"),
    ("post", "delete", {"json": {"paths": ["/locked/a.txt"]}}, "delete"),
    ("post", "chmod", {"json": {"path": "/locked/a.txt", "mode": "0600"}}, "chmod"),
]


async def test_vetoes_refuse_every_operation_and_are_audited(
    client, files_server, decider, admin_client
):
    t = files_server
    t.local("locked").mkdir()
    t.local("locked/a.txt").write_text("a")
    t.local("free.txt").write_text("f")
    for method, operation, kwargs, asked in VETOED:
        response = await getattr(client, method)(t.url(operation), **kwargs)
        assert await error_of(response) == (403, "vetoed"), operation
        error = (await response.get_json())["error"]
        assert error["message"].startswith(f"{asked} on /locked") and error["details"]["reason"]
        assert decider.asked[-1][:2] == ("alice", asked)
    assert sorted(p.name for p in t.root.rglob("*")) == ["a.txt", "free.txt", "locked"]
    denied = [e for e in await audit(admin_client, outcome="denied")]
    assert len(denied) == len(VETOED)
    assert {e["action"] for e in denied} >= {"files.list", "files.upload", "files.delete"}
    assert all(e["actor"] == "alice" and e["target"] == "files" for e in denied)
    assert all("frozen" in e["details"]["message"] for e in denied)


async def test_deciders_see_resolved_paths_and_writes_are_audited(
    client, files_server, decider, admin_client
):
    t = files_server
    t.local("d").mkdir()
    await client.put(t.url("upload"), query_string={"path": "/d/../d/./u.txt"}, data=b"123")
    await client.post(t.url("rename"), json={"from": "/d/u.txt", "to": "/d/v.txt"})
    await client.post(t.url("chmod"), json={"path": "/d/v.txt", "mode": "0600"})
    await client.post(t.url("delete"), json={"paths": ["/d/v.txt"]})
    assert ("alice", "upload", "/d/u.txt") in decider.asked
    assert ("alice", "rename", "/d/v.txt") in decider.asked
    entries = await audit(admin_client)
    by_action = {e["action"]: e for e in entries}
    assert set(by_action) == {"files.upload", "files.rename", "files.chmod", "files.delete"}
    upload = by_action["files.upload"]
    assert (upload["outcome"], upload["details"]["path"], upload["details"]["bytes"]) == (
        "success",
        "/d/u.txt",
        3,
    )
    assert upload["source_ip"] and upload["actor"] == "alice"
    assert by_action["files.rename"]["details"]["to_path"] == "/d/v.txt"
    assert by_action["files.chmod"]["details"]["mode"] == "0600"
    assert by_action["files.delete"]["details"]["count"] == 1


async def test_the_plugin_is_loaded_through_its_entry_point(client):
    response = await client.get("/api/plugins")
    plugins = {p["name"]: p for p in (await response.get_json())["plugins"]}
    sftp = plugins["sftp"]
    assert sftp["version"] == "0.1.0" and not sftp["core"]
    assert {"register_blueprints", "register_events", "register_migrations"} <= set(sftp["hooks"])


async def test_the_routes_are_in_the_openapi_document(admin_client):
    response = await admin_client.get("/openapi.json")
    assert response.status_code == 200
    paths = (await response.get_json())["paths"]
    assert "/api/files/{server_id}/copy-to" in paths
    assert "/api/files/{server_id}/uploads/{upload_id}" in paths
