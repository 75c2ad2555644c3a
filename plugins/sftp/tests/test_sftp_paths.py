"""Path rules (SFTP-7, ACL-2): normalisation, realpath on the server, whole-component
allow-list; every escape attempt is refused before any file is touched."""

from __future__ import annotations

import os

import pytest
from sftp_helpers import audit, error_of, multipart, update

from sshgate.api import ApiError
from sshgate_sftp.paths import check_name, clean, lexical, within


@pytest.mark.parametrize(
    "raw",
    ["a\x00b", "/tmp/\x01x", "/x\x7f", "/x\x85", "/\ud800", "", "/" + "a" * 256, "/a/" * 1500],
)
def test_clean_refuses_what_no_browser_needs(raw):
    with pytest.raises(ApiError) as caught:
        clean(raw)
    assert (caught.value.status, caught.value.code) == (400, "bad_path")


def test_clean_keeps_names_opaque():
    # No Unicode normalisation: NFD and NFC are different files on a server.
    assert clean("/cafe\u0301") == "/cafe\u0301" != clean("/caf\u00e9")
    assert clean("/ünï cödé/📁") == "/ünï cödé/📁"


def test_lexical_and_within():
    assert lexical("a/../../b", "/home/u") == "/home/b"
    assert lexical("//srv//a/./b/", "/") == "/srv/a/b"
    assert lexical("/../../etc", "/") == "/etc"
    roots = ("/srv/allowed",)
    assert within("/srv/allowed", roots) and within("/srv/allowed/x/y", roots)
    assert not within("/srv/allowedX", roots) and not within("/srv", roots)
    assert within("/anything", ()) and within("/x", ("/",))
    for bad in ("..", ".", "a/b", "a\\b", "x\x00"):
        with pytest.raises(ApiError):
            check_name(bad)


@pytest.fixture
async def confined(client, admin_client, files_server):
    """``/srv/allowed`` is the only allowed prefix; siblings and a secret exist around it."""
    t = files_server
    for folder in ("srv/allowed/sub", "srv/allowedX", "secret"):
        t.local(folder).mkdir(parents=True)
    t.local("srv/allowed/ok.txt").write_text("ok")
    t.local("srv/allowedX/no.txt").write_text("no")
    t.local("secret/key.txt").write_text("secret")
    # Symlinks out of the allowed root, made on the server's side (absolute host paths).
    os.symlink(t.local("secret"), t.local("srv/allowed/escape"))
    os.symlink(t.local("secret/key.txt"), t.local("srv/allowed/key-link"))
    os.symlink(t.local("srv/allowed/ok.txt"), t.local("srv/allowed/inside-link"))
    await update(admin_client, t.id, sftp_allowed_paths=["/srv/allowed"])
    return t


ESCAPES = [
    "/srv/allowed/../../secret/key.txt",
    "/srv/allowed/sub/../../allowedX/no.txt",
    "/srv/allowedX/no.txt",
    "/secret/key.txt",
    "/srv/allowed/escape/key.txt",
    "/srv/allowed/key-link",
    "../secret/key.txt",
    "/",
]


async def test_reads_cannot_escape(client, confined):
    for path in ESCAPES:
        for operation in ("read", "download", "ls", "download-zip"):
            response = await client.get(confined.url(operation), query_string={"path": path})
            assert await error_of(response) == (403, "path_forbidden"), (operation, path)


async def test_allowed_paths_still_work(client, confined):
    t = confined
    body = await (
        await client.get(t.url("read"), query_string={"path": "/srv/allowed/ok.txt"})
    ).get_json()
    assert body["content"] == "ok"
    linked = await client.get(t.url("read"), query_string={"path": "/srv/allowed/inside-link"})
    assert (await linked.get_json())["path"] == "/srv/allowed/ok.txt"
    listing = await (
        await client.get(t.url("ls"), query_string={"path": "/srv/allowed"})
    ).get_json()
    names = {e["name"]: e for e in listing["entries"]}
    assert names["escape"]["type"] == "link" and names["escape"]["target_type"] is None
    assert listing["parent"] is None  # "/srv" is outside
    roots = await (await client.get(t.url("roots"))).get_json()
    assert roots["allowed_paths"] == ["/srv/allowed"] and roots["start"] == "/srv/allowed"


async def test_nul_bytes_and_control_characters_are_400(client, confined):
    for path in ("/srv/allowed/ok.txt\x00.png", "/srv/allowed/\x1b[31m"):
        response = await client.get(confined.url("read"), query_string={"path": path})
        assert await error_of(response) == (400, "bad_path")
    response = await client.post(confined.url("mkdir"), json={"path": "/srv/allowed/a\x00b"})
    assert await error_of(response) == (400, "bad_path")


async def test_writes_cannot_escape(client, admin_client, confined):
    t = confined
    refused = [
        ("put", "upload", {"query_string": {"path": "/srv/allowedX/new"}, "data": b"x"}),
        ("put", "upload", {"query_string": {"path": "/srv/allowed/escape/new"}, "data": b"x"}),
        ("post", "upload", {"query_string": {"path": "/secret"}, **multipart({"a": b"x"})}),
        ("post", "write", {"json": {"path": "/srv/allowed/key-link", "content": "x"}}),
        ("post", "mkdir", {"json": {"path": "/srv/allowed/../evil"}}),
        ("post", "chmod", {"json": {"path": "/srv/allowed/key-link", "mode": "0777"}}),
        ("post", "delete", {"json": {"paths": ["/srv/allowed"], "recursive": True}}),
        ("post", "delete", {"json": {"paths": ["/srv/allowedX/no.txt"]}}),
        ("post", "uploads", {"json": {"path": "/secret/new", "size": 1}}),
        # The absolute path swap: a harmless source, a target outside (and the reverse).
        ("post", "rename", {"json": {"from": "/srv/allowed/ok.txt", "to": "/secret/ok.txt"}}),
        ("post", "rename", {"json": {"from": "/secret/key.txt", "to": "/srv/allowed/k"}}),
        ("post", "rename", {"json": {"from": "/srv/allowed", "to": "/srv/allowed2"}}),
    ]
    for method, operation, kwargs in refused:
        response = await getattr(client, method)(t.url(operation), **kwargs)
        assert await error_of(response) == (403, "path_forbidden"), (operation, kwargs)
    assert t.local("secret/key.txt").read_text() == "secret"
    assert sorted(os.listdir(t.local("secret"))) == ["key.txt"]
    assert sorted(os.listdir(t.local("srv"))) == ["allowed", "allowedX"]
    denied = [e for e in await audit(admin_client) if e["outcome"] == "denied"]
    assert len(denied) >= len(refused) - 1  # the multipart one fails before its first file


async def test_deleting_a_symlink_removes_the_link_not_its_target(client, confined):
    t = confined
    response = await client.post(t.url("delete"), json={"paths": ["/srv/allowed/escape"]})
    assert response.status_code == 200 and (await response.get_json())["deleted"] == 1
    assert not os.path.lexists(t.local("srv/allowed/escape"))
    assert t.local("secret/key.txt").read_text() == "secret"


async def test_an_allowed_prefix_that_is_a_symlink_allows_its_target(
    client, admin_client, files_server
):
    t = files_server
    t.local("data/real").mkdir(parents=True)
    t.local("data/real/f.txt").write_text("via link")
    os.symlink(t.local("data/real"), t.local("shortcut"))
    await update(admin_client, t.id, sftp_allowed_paths=["/shortcut"])
    response = await client.get(t.url("read"), query_string={"path": "/shortcut/f.txt"})
    assert (await response.get_json())["path"] == "/data/real/f.txt"
    response = await client.get(t.url("read"), query_string={"path": "/data/real/../x"})
    assert await error_of(response) == (403, "path_forbidden")
