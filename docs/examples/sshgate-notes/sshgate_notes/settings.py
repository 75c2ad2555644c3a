"""Settings, read from ``SSHGATE_NOTES_*`` and validated before the app starts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

NAME = "notes"  # the entry point's name: settings prefix, static URL, table prefix


class NotesSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recent_events: int = Field(20, ge=1, le=1000)  # SSHGATE_NOTES_RECENT_EVENTS
