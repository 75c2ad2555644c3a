"""Helpers of the recording tests: open a terminal, wait for its recording, read the cast."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from sshgate.testing.terminal import WITHIN, TerminalClient, eventually

# What the gateway adds to a client's stream when a session ends (never session output).
NOTICE = re.compile(rb"\r\n\x1b\[2m\[sshgate: session closed: [^\]]*\]\x1b\[0m\r\n$")


async def open_term(
    live_server: Any, client: Any, server_id: int, *, refused: bool = False, **query: Any
) -> TerminalClient:
    """A terminal on ``server_id``; with ``refused``, one the gateway is expected to refuse."""
    params = "&".join(f"{k}={v}" for k, v in query.items())
    url = f"{live_server.ws_url}/api/ws/terminal/{server_id}" + (f"?{params}" if params else "")
    term = await TerminalClient.open(url, client.token)
    if not refused:
        assert term.hello.get("id"), term.controls  # the error the gateway answered instead
    return term


async def read_after(term: TerminalClient, start: int, marker: bytes) -> None:
    """Read until ``marker`` shows up in the output after offset ``start`` (a prompt that
    was printed before must not count)."""

    async def pump() -> None:
        while marker not in term.output[start:]:
            frame = await term.ws.recv()
            if isinstance(frame, bytes):
                term.output += frame
            else:
                term.controls.append(json.loads(frame))

    await asyncio.wait_for(pump(), WITHIN)


async def end(term: TerminalClient) -> bytes:
    """Close the shell from the client and return every byte of session output it received."""
    await term.control(type="close")
    await term.closed()
    return NOTICE.sub(b"", bytes(term.output))


async def recording_of(client: Any, session_id: str, *, done: bool = True) -> dict[str, Any]:
    """The recording of a session, through the API; with ``done``, once it is closed."""

    async def found() -> dict[str, Any] | None:
        listed = await (await client.get("/api/recordings")).get_json()
        for recording in listed["recordings"]:
            if recording["session_id"] == session_id and (
                not done or recording["status"] != "recording"
            ):
                return recording
        return None

    recording: dict[str, Any] = await eventually(found, f"the recording of {session_id}")
    return recording


async def cast_of(client: Any, recording_id: str) -> tuple[dict[str, Any], list[list[Any]]]:
    """The header and events of a recording's file, as the player gets it."""
    response = await client.get(f"/api/recordings/{recording_id}/cast")
    assert response.status_code == 200, await response.get_data()
    return parse(await response.get_data())


def parse(body: bytes) -> tuple[dict[str, Any], list[list[Any]]]:
    lines = body.decode("ascii").splitlines()  # asciicast lines are plain ASCII here
    return json.loads(lines[0]), [json.loads(line) for line in lines[1:]]


def output_of(events: list[list[Any]]) -> bytes:
    return "".join(e[2] for e in events if e[1] == "o").encode()


def codes(events: list[list[Any]], code: str) -> list[str]:
    return [e[2] for e in events if e[1] == code]
