"""Audited recording events (``recording.<verb>``), for the audit log and webhooks.

``target`` is the recorded server's name; ``recording_id`` names the recording.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from sshgate.api import Event


@dataclasses.dataclass(kw_only=True)
class RecordingEvent(Event):
    name: ClassVar[str] = "recording.event"
    recording_id: str
    message: str | None = None


@dataclasses.dataclass(kw_only=True)
class RecordingFailed(RecordingEvent):
    """Strict mode: the file could not be written, so the session was ended (or refused)."""

    name: ClassVar[str] = "recording.failed"


@dataclasses.dataclass(kw_only=True)
class RecordingTruncated(RecordingEvent):
    """Best-effort mode: the file could not be written; the session went on unrecorded."""

    name: ClassVar[str] = "recording.truncated"


@dataclasses.dataclass(kw_only=True)
class RecordingIncomplete(RecordingEvent):
    """The worker writing it died; the sweep closed the file where it stopped."""

    name: ClassVar[str] = "recording.incomplete"


@dataclasses.dataclass(kw_only=True)
class RecordingViewed(RecordingEvent):
    """Someone downloaded or replayed a recording (reading another user's session is data)."""

    name: ClassVar[str] = "recording.view"


@dataclasses.dataclass(kw_only=True)
class RecordingsSearched(Event):
    """A search through the output of recordings; ``query`` is what was looked for."""

    name: ClassVar[str] = "recording.search"
    query: str
    matches: int = 0


@dataclasses.dataclass(kw_only=True)
class RecordingDeleted(RecordingEvent):
    name: ClassVar[str] = "recording.delete"


@dataclasses.dataclass(kw_only=True)
class RecordingsExpired(Event):
    """The retention sweep deleted ``count`` recordings older than ``keep_days``."""

    name: ClassVar[str] = "recording.expire"
    count: int
    keep_days: int


EVENTS: list[type[Event]] = [
    RecordingFailed,
    RecordingTruncated,
    RecordingIncomplete,
    RecordingViewed,
    RecordingsSearched,
    RecordingDeleted,
    RecordingsExpired,
]
