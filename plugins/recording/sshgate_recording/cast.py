"""asciicast v2, the file format: a JSON header line, then one JSON array per event.

``[time, code, data]`` with ``time`` in seconds since the start, ``code`` one of ``o``
(output), ``i`` (input), ``r`` (resize, ``"COLSxROWS"``) and ``m`` (marker). A recording
always ends with a marker saying how it ended (``END_MARKERS``), so a reader can tell a
complete file from one whose writer was killed. Lines are written whole (writer.py), so a
file is replayable at any moment, even after SIGKILL; :func:`repair` closes such a file.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

END = "sshgate: end"
END_INCOMPLETE = "sshgate: incomplete (the gateway stopped while recording)"
END_TRUNCATED = "sshgate: truncated (the recording could not be written)"
END_MARKERS = (END, END_INCOMPLETE, END_TRUNCATED)

# Escape sequences and control characters, which search and excerpts skip: CSI, OSC (ended
# by BEL or ST), other two-byte escapes, then C0 controls but tab and newline.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]"
    r"|[\x00-\x08\x0b-\x1f\x7f]"
)


def header(*, cols: int, rows: int, timestamp: int, title: str, term: str) -> dict[str, Any]:
    return {
        "version": 2,
        "width": cols,
        "height": rows,
        "timestamp": timestamp,
        "title": title,
        "env": {"TERM": term},
    }


def line(value: Any) -> bytes:
    # ensure_ascii keeps every line plain ASCII: a cut can never split a character.
    return json.dumps(value, separators=(", ", ": ")).encode() + b"\n"


def event(time: float, code: str, data: str) -> bytes:
    return line([round(time, 6), code, data])


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def read_events(path: Path) -> Iterator[tuple[float, str, str]]:
    """The events of a file, skipping the header and a torn last line."""
    with path.open("rb") as file:
        file.readline()
        for raw in file:
            try:
                time, code, data = json.loads(raw)
            except ValueError:
                return  # only the last line can be torn (whole-line writes)
            yield float(time), str(code), str(data)


def last_time(path: Path) -> float:
    """The time of the last complete event (0 without one), reading only the file's tail."""
    with path.open("rb") as file:
        size = file.seek(0, os.SEEK_END)
        file.seek(max(0, size - 64 * 1024))
        tail = file.read().split(b"\n")
    for raw in reversed(tail):
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        if isinstance(value, list) and value and isinstance(value[0], int | float):
            return float(value[0])
    return 0.0


def repair(path: Path, marker: str = END_INCOMPLETE) -> int:
    """Close a file whose writer died: drop a torn last line, append the end marker unless it
    has one already; the new size."""
    with path.open("r+b") as file:
        size = file.seek(0, os.SEEK_END)
        file.seek(max(0, size - 64 * 1024))
        tail = file.read()
        keep = size - (len(tail) - tail.rfind(b"\n") - 1) if b"\n" in tail else size
        file.truncate(keep)
        lines = tail[: len(tail) - (size - keep)].rstrip(b"\n").rsplit(b"\n", 1)
        try:
            closed = json.loads(lines[-1])[2] in END_MARKERS
        except (ValueError, IndexError, TypeError, KeyError):
            closed = False
        if not closed:
            file.seek(keep)
            file.write(event(last_time(path) if keep else 0.0, "m", marker))
        return file.seek(0, os.SEEK_END)
