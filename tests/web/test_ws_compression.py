"""permessage-deflate follows SSHGATE_WS_COMPRESSION: declined by default, level 1 on "fast"."""

from __future__ import annotations

import json

import pytest
import websockets

from sshgate.web import deflate


@pytest.fixture
def sshgate_settings_overrides(request):
    return getattr(request, "param", {})


async def negotiated(live_server, token: str) -> tuple[str | None, dict]:
    async with websockets.connect(
        f"{live_server.ws_url}/api/ws/events",
        additional_headers={"Authorization": f"Bearer {token}"},
        compression="deflate",  # what every browser offers
    ) as ws:
        hello = json.loads(await ws.recv())
        return ws.response.headers.get("Sec-WebSocket-Extensions"), hello


async def test_deflate_is_declined_by_default(live_server, user_client):
    extensions, hello = await negotiated(live_server, user_client.token)
    assert extensions is None
    assert hello["type"] == "hello"
    assert deflate.mode() == "off"


@pytest.mark.parametrize("sshgate_settings_overrides", [{"ws_compression": "fast"}], indirect=True)
async def test_fast_compression_is_negotiated_and_frames_arrive_intact(live_server, user_client):
    extensions, hello = await negotiated(live_server, user_client.token)
    assert extensions is not None and extensions.startswith("permessage-deflate")
    assert hello == {"type": "hello", "user": user_client.username}
    assert deflate.mode() == "fast"


def test_level_one_compressor_produces_standard_deflate():
    """Frames from the level-1 compressor inflate with a stock decompressor."""
    import zlib

    from wsproto.frame_protocol import Opcode, RsvBits

    class Proto:
        client = False

    extension = deflate.GateDeflate()
    payload = b"total 48\r\ndrwxr-xr-x  2 root root 4096 .\r\n" * 200
    _, wire = extension.frame_outbound(
        Proto(), Opcode.BINARY, RsvBits(False, False, False), payload, True
    )
    assert len(wire) < len(payload) // 10
    assert zlib.decompressobj(-15).decompress(wire + b"\x00\x00\xff\xff") == payload
