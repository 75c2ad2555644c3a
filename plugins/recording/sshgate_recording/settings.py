"""The plugin's settings, read from ``SSHGATE_RECORDING_*`` (``register_settings``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from quart import Quart

from sshgate.api import plugin_settings

NAME = "recording"
MiB = 1024 * 1024


class RecordingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Off by default: recording is a decision (privacy, storage) an operator makes.
    enabled: bool = False
    # Where the .cast files go; shared storage when several workers serve one gateway (any
    # worker may replay or sweep any recording). File names are made here, never from input.
    dir: Path = Path("./recordings")
    # Record keystrokes too ("i" events). Input typed while the remote terminal does not echo
    # (password prompts) is never written, whatever this says (redact.py).
    input: bool = False
    # strict: a session whose recording fails is ended within a second and a new one is
    # refused while its file cannot be written; best-effort: the session goes on and the
    # recording is marked truncated. Both are audited.
    mode: Literal["best-effort", "strict"] = "best-effort"
    # Recordings older than this many days are deleted (file and metadata); 0 keeps them.
    keep_days: int = Field(90, ge=0)
    # Output waiting for the disk, per session: beyond it the writer is not keeping up, which
    # counts as a failed write (strict ends the session, best-effort truncates). It bounds the
    # gateway's memory per recorded session.
    queue_limit: int = Field(8 * MiB, ge=64 * 1024)
    # Queued events are written at least this often (seconds): what a SIGKILL can lose.
    flush_interval: float = Field(0.2, gt=0, le=5)
    # Each worker marks its live recordings every this many seconds; a recording whose mark is
    # three intervals old belongs to a worker that died, and is closed as incomplete.
    heartbeat: float = Field(15.0, gt=0)


def recording_settings(app: Quart | None = None) -> RecordingSettings:
    return plugin_settings(NAME, RecordingSettings, app)
