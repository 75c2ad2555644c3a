"""Events the plugin emits: audited, and seen by every ``track_event`` (ours included)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from sshgate.api import Event


@dataclasses.dataclass(kw_only=True)
class NoteCreated(Event):
    name: ClassVar[str] = "notes.created"
    note_id: int
