"""Text search through the output of recordings: where was ``rm -rf`` printed, and when.

Files are read in a thread, event by event, with escape sequences removed; a match may span
events (a shell echoes a command one keystroke at a time), so the end of the previous text is
kept. A search reads at most ``MAX_FILES`` recordings and ``MAX_BYTES`` bytes, newest first,
and says when it stopped early.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import cast

MAX_FILES = 500
MAX_BYTES = 512 * 1024 * 1024
EXCERPT = 60  # characters either side of a match


@dataclass
class Hit:
    time: float
    excerpt: str


def find(path: Path, needle: str) -> Hit | None:
    """The first place ``needle`` (case-insensitive) appears in the output of a file."""
    wanted = needle.lower()
    text = ""  # the recent output, stripped; grows only by what a match can span
    times: list[tuple[int, float]] = []  # (offset in text where an event starts, its time)
    for time, code, data in cast.read_events(path):
        if code != "o":
            continue
        times.append((len(text), time))
        text += cast.strip_ansi(data)
        at = text.lower().find(wanted)
        if at >= 0:
            start = max(offset for offset, _ in times if offset <= at) if times else 0
            moment = next(t for offset, t in times if offset == start)
            excerpt = text[max(0, at - EXCERPT) : at + len(needle) + EXCERPT]
            return Hit(time=moment, excerpt=" ".join(excerpt.split()))
        keep = max(len(wanted) - 1 + EXCERPT, 0)
        if len(text) > keep * 4:
            cut = len(text) - keep
            text = text[cut:]
            times = [(offset - cut, t) for offset, t in times if offset >= cut] or [(0, time)]
    return None
