"""The session observer, through a real terminal WebSocket to the in-process SSH server."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from sshgate.testing.ssh import TEST_PASSWORD, TEST_USER


@pytest.mark.sshgate_db("sqlite")  # nothing database-specific here
async def test_output_bytes_are_counted_per_session(
    admin_client, user_client, live_server, ssh_server
):
    created = await admin_client.post(
        "/api/servers",
        json={
            "name": "target",
            "host": ssh_server.host,
            "port": ssh_server.port,
            "username": TEST_USER,
            "password": TEST_PASSWORD,
            "group": "dev",  # user_client (alice) may use group "dev"
        },
    )
    assert created.status_code == 201, await created.get_json()
    server_id = (await created.get_json())["id"]

    url = f"{live_server.ws_url}/api/ws/terminal/{server_id}?cols=100&rows=30"
    headers = {"Authorization": f"Bearer {user_client.token}"}
    async with websockets.connect(url, additional_headers=headers) as ws:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 30))
        assert hello["type"] == "session", hello
        await ws.send(b"echo counted-$((6*7))\n")  # the echo of the typed line is not the marker
        output = bytearray()
        while b"counted-42" not in output:
            frame = await asyncio.wait_for(ws.recv(), 30)
            if isinstance(frame, bytes):
                output += frame

        response = await user_client.get("/api/notes/sessions")
        [mine] = (await response.get_json())["sessions"]
        assert hello["id"].startswith(mine["session_id"])
        assert mine["server"] == "target" and mine["owner"] == user_client.username
        assert mine["output_bytes"] >= len(output) and not mine["ended"]

        await ws.send(json.dumps({"type": "close"}))  # end the shell for everyone
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), 30)

    [ended] = (await (await admin_client.get("/api/notes/sessions")).get_json())["sessions"]
    assert ended["ended"] is True
