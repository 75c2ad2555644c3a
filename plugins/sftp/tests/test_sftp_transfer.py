"""One-shot uploads (raw PUT and multipart) and downloads (Range, previews, headers) on
the in-process server."""

from __future__ import annotations

import os

import httpx
import pytest
from sftp_helpers import audit, error_of, multipart

from sshgate_sftp.headers import content_disposition, parse_range, preview_type

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
PDF = b"%PDF-1.7\n%...\n"


@pytest.fixture
def sshgate_settings_overrides():
    return {"plugin_settings": {"sftp": {"max_upload_size": 1_000_000}}}


async def test_put_upload_replaces_only_when_asked(client, files_server, admin_client):
    t = files_server
    data = os.urandom(300_000)
    response = await client.put(t.url("upload"), query_string={"path": "/a.bin"}, data=data)
    assert response.status_code == 201
    assert await response.get_json() == {"path": "/a.bin", "name": "a.bin", "size": 300_000}
    assert t.local("a.bin").read_bytes() == data
    response = await client.put(t.url("upload"), query_string={"path": "/a.bin"}, data=b"new")
    assert await error_of(response) == (409, "exists")
    response = await client.put(
        t.url("upload"), query_string={"path": "/a.bin", "overwrite": "1"}, data=b"new"
    )
    assert response.status_code == 201 and t.local("a.bin").read_bytes() == b"new"
    t.local("d").mkdir()
    response = await client.put(
        t.url("upload"), query_string={"path": "/d", "overwrite": "1"}, data=b"x"
    )
    assert await error_of(response) == (409, "is_a_directory")
    response = await client.put(t.url("upload"), query_string={"path": "/nope/a"}, data=b"x")
    assert await error_of(response) == (404, "not_found")
    assert sorted(os.listdir(t.root)) == ["a.bin", "d"]
    uploads = await audit(admin_client, "files.upload")
    assert [e["outcome"] for e in uploads].count("success") == 2


async def test_upload_limit_is_checked_before_reading_and_while_streaming(client, files_server):
    t = files_server
    response = await client.put(
        t.url("upload"), query_string={"path": "/big"}, data=b"x" * 1_000_001
    )
    assert await error_of(response) == (413, "too_large")
    assert "1000000 bytes" in (await response.get_json())["error"]["message"]
    assert os.listdir(t.root) == []

    async def stream(connection):  # no Content-Length: counted as it arrives
        for _ in range(20):
            await connection.send(b"y" * 100_000)
        await connection.send_complete()

    raw = client.client
    async with raw.request(
        t.url("upload") + "?path=/big", method="PUT", headers=client._headers(None)
    ) as connection:
        await stream(connection)
    response = await connection.as_response()
    assert await error_of(response) == (413, "too_large")
    assert os.listdir(t.root) == []  # the part file is gone too


async def test_multipart_uploads_several_files(client, files_server):
    t = files_server
    t.local("in").mkdir()
    files = {"one.txt": b"1" * 70_000, "two words.bin": os.urandom(200_000), "ü.txt": b"u"}
    response = await client.post(t.url("upload"), query_string={"path": "/in"}, **multipart(files))
    body = await response.get_json()
    assert response.status_code == 201, body
    assert [f["name"] for f in body["files"]] == list(files)
    for name, content in files.items():
        assert t.local(f"in/{name}").read_bytes() == content
    again = await client.post(t.url("upload"), query_string={"path": "/in"}, **multipart(files))
    error = (await again.get_json())["error"]
    assert (again.status_code, error["code"], error["details"]["stored"]) == (409, "exists", [])
    bad = await client.post(
        t.url("upload"), query_string={"path": "/in"}, **multipart({"..": b"x"})
    )
    assert await error_of(bad) == (400, "bad_path")
    plain = await client.post(t.url("upload"), query_string={"path": "/in"}, data=b"x")
    assert await error_of(plain) == (415, "unsupported_media_type")
    assert sorted(os.listdir(t.local("in"))) == sorted(files)


async def test_download_streams_with_safe_headers(client, files_server, admin_client):
    t = files_server
    name = 'evil"; filename="x.html; ü 日本.html'
    t.local(name).write_bytes(b"<script>alert(1)</script>")
    response = await client.get(t.url("download"), query_string={"path": "/" + name})
    assert response.status_code == 200
    assert await response.get_data() == b"<script>alert(1)</script>"
    headers = response.headers
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Accept-Ranges"] == "bytes" and headers["Content-Length"] == "25"
    assert headers["Content-Disposition"] == (
        'attachment; filename="evil__ filename__x.html_ u .html"; '
        "filename*=UTF-8''evil%22%3B%20filename%3D%22x.html%3B%20%C3%BC%20"
        "%E6%97%A5%E6%9C%AC.html"
    )
    (entry,) = await audit(admin_client, "files.download")
    assert entry["details"]["bytes"] == 25 and entry["outcome"] == "success"


async def test_names_with_control_characters_are_listed_but_not_addressable(client, files_server):
    t = files_server
    t.local("bad\r\nSet-Cookie: x=1").write_bytes(b"x")
    listing = await (await client.get(t.url("ls"), query_string={"path": "/"})).get_json()
    (entry,) = listing["entries"]
    assert entry["name"] == "bad\r\nSet-Cookie: x=1"  # JSON carries it safely
    response = await client.get(t.url("download"), query_string={"path": entry["path"]})
    assert await error_of(response) == (400, "bad_path")


async def test_download_ranges(client, files_server):
    t = files_server
    data = bytes(range(256)) * 4000  # 1 024 000 bytes
    t.local("r.bin").write_bytes(data)
    url, query = t.url("download"), {"path": "/r.bin"}
    response = await client.get(url, query_string=query, headers={"Range": "bytes=1000-2999"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == "bytes 1000-2999/1024000"
    assert await response.get_data() == data[1000:3000]
    response = await client.get(url, query_string=query, headers={"Range": "bytes=-100"})
    assert (response.status_code, await response.get_data()) == (206, data[-100:])
    response = await client.get(url, query_string=query, headers={"Range": "bytes=1023000-"})
    assert await response.get_data() == data[1023000:]
    response = await client.get(url, query_string=query, headers={"Range": "bytes=2000000-"})
    assert await error_of(response) == (416, "range_not_satisfiable")
    assert response.headers["Content-Range"] == "bytes */1024000"
    response = await client.get(url, query_string=query, headers={"Range": "bytes=0-1,5-6"})
    assert response.status_code == 200 and len(await response.get_data()) == len(data)
    etag = response.headers["ETag"]
    stale = {"Range": "bytes=0-9", "If-Range": '"0-0"'}
    response = await client.get(url, query_string=query, headers=stale)
    assert response.status_code == 200
    fresh = {"Range": "bytes=0-9", "If-Range": etag}
    response = await client.get(url, query_string=query, headers=fresh)
    assert (response.status_code, await response.get_data()) == (206, data[:10])


async def test_inline_preview_only_for_real_images_and_pdfs(client, files_server):
    t = files_server
    t.local("pic.png").write_bytes(PNG)
    t.local("doc.pdf").write_bytes(PDF)
    t.local("fake.png").write_bytes(b"<html><script>alert(1)</script>")
    t.local("page.html").write_bytes(b"<html></html>")
    t.local("icon.svg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    expected = {
        "pic.png": "image/png",
        "doc.pdf": "application/pdf",
        "fake.png": "application/octet-stream",
        "page.html": "application/octet-stream",
        "icon.svg": "application/octet-stream",
    }
    for name, mimetype in expected.items():
        response = await client.get(
            t.url("download"), query_string={"path": "/" + name, "inline": "1"}
        )
        assert response.headers["Content-Type"] == mimetype, name
        inline = response.headers["Content-Disposition"].startswith("inline")
        assert inline == (mimetype != "application/octet-stream"), name
        if inline:
            assert "default-src 'none'" in response.headers["Content-Security-Policy"]


async def test_download_refuses_directories(client, files_server):
    files_server.local("d").mkdir()
    response = await client.get(files_server.url("download"), query_string={"path": "/d"})
    assert await error_of(response) == (400, "not_a_file")


def test_header_helpers():
    assert content_disposition("a b.txt") == (
        "attachment; filename=\"a b.txt\"; filename*=UTF-8''a%20b.txt"
    )
    assert content_disposition('x";\r\n.png', inline=True).startswith('inline; filename="x__.png"')
    assert content_disposition("日本.txt").startswith('attachment; filename="txt"')
    assert parse_range("bytes=5-", 10) == (5, 10)
    assert parse_range("bytes=0-100", 10) == (0, 10)
    assert parse_range("bytes=-0", 10) == "unsatisfiable"
    assert parse_range("bytes=7-3", 10) is None and parse_range("items=0-1", 10) is None
    assert preview_type("a.WEBP", b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert preview_type("a.gif", b"GIF89a...") == "image/gif"
    assert preview_type("a.jpg", PNG) is None


async def test_head_of_a_download_sends_headers_only(client, files_server, live_server):
    files_server.local("h.bin").write_bytes(b"h" * 1234)
    headers = {"Authorization": f"Bearer {client.token}"}
    async with httpx.AsyncClient(base_url=live_server.url, headers=headers, timeout=30) as http:
        response = await http.head(files_server.url("download"), params={"path": "/h.bin"})
    assert response.status_code == 200 and response.headers["Content-Length"] == "1234"
    assert response.content == b""


@pytest.mark.parametrize(
    "sshgate_settings_overrides",
    [{"max_upload_size": 50_000, "plugin_settings": {"sftp": {}}}],
)
async def test_the_core_upload_limit_applies_unless_the_plugin_sets_its_own(
    client, files_server, sshgate_settings_overrides
):
    """SSHGATE_MAX_UPLOAD_SIZE is the gateway-wide cap; SSHGATE_SFTP_MAX_UPLOAD_SIZE overrides."""
    t = files_server
    response = await client.put(t.url("upload"), query_string={"path": "/big"}, data=b"x" * 50_001)
    assert await error_of(response) == (413, "too_large")
    assert "50000 bytes" in (await response.get_json())["error"]["message"]
    response = await client.put(t.url("upload"), query_string={"path": "/ok"}, data=b"x" * 50_000)
    assert response.status_code == 201
