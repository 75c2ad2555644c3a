"""The plugin's front end: announced in the UI manifest and served from its static folder."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "sshgate_sftp" / "static"


async def test_files_panel_is_announced_and_served(client):
    config = await (await client.get("/api/config")).get_json()
    assert {"plugin": "sftp", "url": "static/plugins/sftp/files.js"} in config["ui"]["js"]
    assert {"plugin": "sftp", "url": "static/plugins/sftp/files.css"} in config["ui"]["css"]
    script = await client.get("/static/plugins/sftp/files.js")
    assert script.status_code == 200
    assert b'registerPlugin("sftp"' in await script.get_data()
    sheet = await client.get("/static/plugins/sftp/files.css")
    assert sheet.status_code == 200


async def test_every_module_the_panel_imports_is_served(client):
    """Follow the relative imports from files.js: each must exist (no build step)."""
    seen: set[str] = set()
    todo = ["files.js"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        response = await client.get(f"/static/plugins/sftp/{name}")
        assert response.status_code == 200, name
        source = (await response.get_data()).decode()
        for target in re.findall(r'from "\./([\w-]+\.js)"', source):
            todo.append(target)
    assert {"panel.js", "editor.js", "uploads.js", "resumable.js"} <= seen
    assert seen == {p.name for p in STATIC.glob("*.js")}


def test_remote_text_never_goes_through_html_parsing():
    html_sinks = re.compile(
        r"\.(?:inner|outer)HTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function"
    )
    for module in STATIC.glob("*.js"):
        assert not html_sinks.search(module.read_text()), module.name
