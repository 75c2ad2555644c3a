"""Listing, stat and the tree operations (mkdir, rename, delete, chmod) on the in-process
server; sftp_enabled / sftp_read_only; visibility; connection failures; the pool."""

from __future__ import annotations

import os
import stat

from sftp_helpers import audit, error_of, register, update

WRITES = [
    ("put", "upload", {"query_string": {"path": "/new.txt"}, "data": b"x"}),
    ("post", "upload", {"query_string": {"path": "/"}, "data": b"x"}),
    ("post", "write", {"json": {"path": "/new.txt", "content": "x"}}),
    ("post", "mkdir", {"json": {"path": "/newdir"}}),
    ("post", "rename", {"json": {"from": "/a.txt", "to": "/b.txt"}}),
    ("post", "delete", {"json": {"paths": ["/a.txt"]}}),
    ("post", "chmod", {"json": {"path": "/a.txt", "mode": "0600"}}),
    ("post", "uploads", {"json": {"path": "/big.bin", "size": 10}}),
]
READS = [
    ("get", "roots", {}),
    ("get", "ls", {"query_string": {"path": "/"}}),
    ("get", "stat", {"query_string": {"path": "/a.txt"}}),
    ("get", "read", {"query_string": {"path": "/a.txt"}}),
    ("get", "download", {"query_string": {"path": "/a.txt"}}),
    ("get", "download-zip", {"query_string": {"path": "/"}}),
]


async def test_ls_describes_every_kind_of_entry(client, files_server):
    t = files_server
    t.local("dir").mkdir()
    t.local("file.txt").write_bytes(b"12345")
    os.chmod(t.local("file.txt"), 0o640)
    # Absolute targets: asyncssh's chroot cannot map relative ones back for readlink.
    os.symlink(t.local("file.txt"), t.local("link"))
    os.symlink(t.local("dir"), t.local("dirlink"))
    os.mkfifo(t.local("fifo"))
    response = await client.get(t.url("ls"), query_string={"path": "/"})
    assert response.status_code == 200
    body = await response.get_json()
    assert body["path"] == "/" and body["parent"] is None and body["truncated"] is False
    entries = {e["name"]: e for e in body["entries"]}
    assert body["entries"][0]["name"] == "dir"  # directories first
    f = entries["file.txt"]
    assert (f["type"], f["size"], f["mode"], f["permissions"]) == ("file", 5, "0640", "-rw-r-----")
    assert f["owner"] and f["group"] and isinstance(f["mtime"], int)
    assert entries["dir"]["type"] == "dir"
    assert entries["link"]["type"] == "link"
    assert (entries["link"]["link_target"], entries["link"]["target_type"]) == ("/file.txt", "file")
    assert entries["dirlink"]["target_type"] == "dir"
    assert entries["fifo"]["type"] == "other"


async def test_ls_defaults_to_home_and_refuses_files(client, files_server):
    t = files_server
    t.local("a.txt").write_text("a")
    body = await (await client.get(t.url("ls"))).get_json()
    assert body["path"] == "/" and [e["name"] for e in body["entries"]] == ["a.txt"]
    response = await client.get(t.url("ls"), query_string={"path": "/a.txt"})
    assert await error_of(response) == (400, "not_a_directory")
    response = await client.get(t.url("ls"), query_string={"path": "/missing/deeper"})
    assert await error_of(response) == (404, "not_found")


async def test_stat_and_roots(client, files_server):
    t = files_server
    t.local("sub").mkdir()
    os.symlink(t.local("sub"), t.local("sublink"))
    body = await (await client.get(t.url("stat"), query_string={"path": "/sublink"})).get_json()
    assert (body["type"], body["link_target"], body["target_type"]) == ("link", "/sub", "dir")
    assert body["real_path"] == "/sub"
    top = await (await client.get(t.url("stat"), query_string={"path": "/"})).get_json()
    assert (top["type"], top["path"]) == ("dir", "/")
    roots = await (await client.get(t.url("roots"))).get_json()
    assert roots == {
        "home": "/",
        "start": "/",
        "allowed_paths": ["/"],
        "read_only": False,
        "encoding": "utf-8",
    }


async def test_mkdir_rename_chmod_delete(client, files_server, admin_client):
    t = files_server
    response = await client.post(t.url("mkdir"), json={"path": "/work"})
    assert response.status_code == 201 and (await response.get_json())["type"] == "dir"
    assert await error_of(await client.post(t.url("mkdir"), json={"path": "/work"})) == (
        409,
        "exists",
    )
    t.local("work/a.txt").write_text("a")
    t.local("work/b.txt").write_text("b")
    response = await client.post(t.url("rename"), json={"from": "/work/a.txt", "to": "/work/b.txt"})
    assert await error_of(response) == (409, "exists")
    response = await client.post(
        t.url("rename"), json={"from": "/work/a.txt", "to": "/work/b.txt", "overwrite": True}
    )
    assert response.status_code == 200 and t.local("work/b.txt").read_text() == "a"
    response = await client.post(t.url("rename"), json={"from": "/work/b.txt", "to": "/c.txt"})
    assert (await response.get_json())["path"] == "/c.txt" and t.local("c.txt").exists()
    response = await client.post(t.url("chmod"), json={"path": "/c.txt", "mode": "0751"})
    assert (await response.get_json())["mode"] == "0751"
    assert stat.S_IMODE(t.local("c.txt").stat().st_mode) == 0o751
    response = await client.post(t.url("chmod"), json={"path": "/c.txt", "mode": "999"})
    assert await error_of(response) == (400, "validation_error")
    t.local("work/deep/er").mkdir(parents=True)
    t.local("work/deep/er/f").write_text("f")
    os.symlink("/etc", t.local("work/deep/etc-link"))
    response = await client.post(t.url("delete"), json={"paths": ["/work"]})
    assert await error_of(response) == (409, "not_empty")
    # A selection may name a folder and something inside it, or a path twice.
    response = await client.post(
        t.url("delete"),
        json={"paths": ["/work/deep/er/f", "/work", "/c.txt", "/work"], "recursive": True},
    )
    body = await response.get_json()
    assert body["deleted"] == 6  # work, deep, er, f, etc-link, c.txt
    assert body["paths"] == ["/work", "/c.txt"]
    assert sorted(os.listdir(t.root)) == []
    assert os.path.isdir("/etc")  # the symlink went, not what it pointed to
    actions = [e["action"] for e in await audit(admin_client)]
    for action in ("files.mkdir", "files.rename", "files.chmod", "files.delete"):
        assert action in actions


async def test_sftp_disabled_refuses_everything(client, admin_client, files_server):
    t = files_server
    t.local("a.txt").write_text("a")
    await update(admin_client, t.id, sftp_enabled=False)
    for method, operation, kwargs in READS + WRITES:
        response = await getattr(client, method)(t.url(operation), **kwargs)
        assert await error_of(response) == (403, "sftp_disabled"), operation


async def test_read_only_refuses_every_write_and_allows_reads(
    client, admin_client, files_server, ssh_server
):
    t = files_server
    t.local("a.txt").write_text("a")
    await update(admin_client, t.id, sftp_read_only=True)
    for method, operation, kwargs in WRITES:
        response = await getattr(client, method)(t.url(operation), **kwargs)
        assert await error_of(response) == (403, "read_only"), operation
    source = await register(admin_client, ssh_server, name="other")  # same server, writable
    response = await client.post(
        f"/api/files/{source}/copy-to",
        json={"path": "/a.txt", "target_server_id": t.id, "target_path": "/z.txt"},
    )
    assert await error_of(response) == (403, "read_only")
    for method, operation, kwargs in READS:
        response = await getattr(client, method)(t.url(operation), **kwargs)
        assert response.status_code == 200, operation
    assert sorted(os.listdir(t.root)) == ["a.txt"]


async def test_servers_of_other_groups_are_invisible(make_client, files_server):
    outsider = await make_client("bob", groups=["ops"])
    response = await outsider.get(files_server.url("ls"), query_string={"path": "/"})
    assert response.status_code == 404


async def test_read_only_api_keys_may_browse_but_not_write(app, user_client, files_server):
    response = await user_client.post("/api/auth/api-keys", json={"name": "ro", "read_only": True})
    key = (await response.get_json())["key"]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    files_server.local("a.txt").write_text("a")
    ok = await client.get(files_server.url("ls"), query_string={"path": "/"}, headers=headers)
    assert ok.status_code == 200
    refused = await client.post(files_server.url("mkdir"), json={"path": "/x"}, headers=headers)
    assert await error_of(refused) == (403, "read_only")


async def test_connection_failure_is_a_502_with_the_diagnosis(client, admin_client, ssh_server):
    server_id = await register(admin_client, ssh_server, name="wrong", password="nope-nope")
    response = await client.get(f"/api/files/{server_id}/ls", query_string={"path": "/"})
    body = await response.get_json()
    assert response.status_code == 502 and body["error"]["code"] == "connect_failed"
    assert body["error"]["details"]["diagnosis"]["stage"] == "auth_failed"


async def test_pool_reuses_one_session_and_drops_it_when_credentials_change(
    app, client, admin_client, files_server
):
    pool = app.extensions["sshgate_sftp"]
    ls = files_server.url("ls")
    for _ in range(3):
        assert (await client.get(ls, query_string={"path": "/"})).status_code == 200
    connects = await audit(admin_client, "ssh.connect")
    assert len(connects) == 1 and len(pool) == 1
    (session,) = pool._sessions.values()
    await update(admin_client, files_server.id, password="tester-password-1")  # same, but "changed"
    assert (await client.get(ls, query_string={"path": "/"})).status_code == 200
    assert len(await audit(admin_client, "ssh.connect")) == 2
    assert session.retired and len(pool) == 1
    pool.idle_timeout = 0
    pool.reap()
    assert len(pool) == 0


def test_every_files_route_declares_a_files_permission(app):
    from sshgate.api import requires  # noqa: F401  (the decorator whose mark we read)

    routes = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/files/")]
    assert len(routes) >= 18
    for rule in routes:
        view = app.view_functions[rule.endpoint]
        permission = getattr(view, "_sshgate_permission", None)
        assert permission and permission.startswith("files."), rule.rule


async def test_a_dropped_connection_is_replaced_on_the_next_request(
    app, client, files_server, ssh_server
):
    ls = files_server.url("ls")
    assert (await client.get(ls, query_string={"path": "/"})).status_code == 200
    for conn in list(ssh_server._connections):  # the server hangs up on the gateway
        conn.close()
        await conn.wait_closed()
    response = await client.get(ls, query_string={"path": "/"})
    assert response.status_code == 200
    assert len(app.extensions["sshgate_sftp"]) == 1
