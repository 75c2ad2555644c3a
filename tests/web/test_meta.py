"""Health, public config, plugin list, OpenAPI and the API explorer."""

from __future__ import annotations

import sshgate


async def test_health_reports_version_instance_and_database(client, app):
    response = await client.get("/api/health")
    assert response.status_code == 200
    body = await response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["version"] == sshgate.__version__
    assert body["instance_id"] == app.extensions["sshgate"].instance_id


async def test_health_is_503_when_the_database_is_gone(client, app):
    gate = app.extensions["sshgate"]
    if gate.db.dialect == "sqlite":
        # Point the engine at a path that cannot exist; same effect as a dead server.
        from sshgate.db import Database

        gate.db = Database("sqlite+aiosqlite:////nonexistent-dir/x.db")
    else:
        from sshgate.db import Database

        gate.db = Database("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    response = await client.get("/api/health")
    assert response.status_code == 503
    body = await response.get_json()
    assert body == body | {"status": "degraded", "database": "unavailable"}


async def test_config_is_public_and_lists_no_assets_without_plugins(client):
    response = await client.get("/api/config")
    assert response.status_code == 200
    body = await response.get_json()
    assert body["version"] == sshgate.__version__
    assert body["root_path"] == ""
    assert body["ui"] == {"js": [], "css": []}


async def test_openapi_describes_the_meta_routes(client):
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    spec = await response.get_json()
    assert spec["info"]["title"] == "sshgate"
    assert {"/api/health", "/api/config", "/api/plugins"} <= set(spec["paths"])


async def test_docs_page_loads_swagger_from_local_files_only(client):
    response = await client.get("/docs")
    assert response.status_code == 200
    html = (await response.get_data()).decode()
    assert "static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "http://" not in html and "https://" not in html
    assert "<script>" not in html  # no inline script under our CSP
    for url in ("static/vendor/swagger-ui/swagger-ui-bundle.js", "static/app/docs.js"):
        asset = await client.get("/" + url)
        assert asset.status_code == 200, url
        assert b"https://cdn" not in await asset.get_data()


async def test_index_page_and_its_modules_are_served(client):
    response = await client.get("/")
    assert response.status_code == 200
    assert b"static/app/main.js" in await response.get_data()
    assert (await client.get("/static/app/plugins.js")).status_code == 200


async def test_static_serves_only_app_and_vendor_folders(client):
    for path in ("/static/package.json", "/static/app/../package.json", "/static/node_modules/x"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert (await response.get_json())["error"]["code"] == "not_found"
