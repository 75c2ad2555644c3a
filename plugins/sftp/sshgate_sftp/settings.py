"""The plugin's settings, read from ``SSHGATE_SFTP_*`` (``register_settings``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from quart import Quart

from sshgate.api import plugin_settings, settings

NAME = "sftp"
MiB = 1024 * 1024


class SftpSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Largest upload (one file), in bytes; 0 means no limit; unset: the core's
    # SSHGATE_MAX_UPLOAD_SIZE (100 MiB by default). Checked against Content-Length before the
    # body is read, and counted while streaming when the length is unknown.
    max_upload_size: int | None = Field(None, ge=0)
    # Largest file the editor opens (GET read) or saves (POST write).
    editor_max_size: int = Field(2 * MiB, ge=1024)
    # Pooled SFTP sessions are closed after this many idle seconds.
    idle_timeout: float = Field(300.0, gt=0)
    # Bytes per SFTP read/write request (capped by what the server advertises) and requests
    # in flight per transfer: together they bound a transfer's buffers (16 x 256 KiB = 4 MiB).
    # 256 KiB blocks with 16 requests measured best against OpenSSH on loopback.
    block_size: int = Field(256 * 1024, ge=4096, le=4 * MiB)
    max_requests: int = Field(16, ge=1, le=128)
    # A streamed ZIP stops adding files after this many entries (the rest are listed in
    # sshgate-errors.txt inside the archive).
    zip_max_entries: int = Field(100_000, ge=1)


def sftp_settings(app: Quart | None = None) -> SftpSettings:
    return plugin_settings(NAME, SftpSettings, app)


def upload_limit(app: Quart | None = None) -> int:
    """The largest upload in bytes (0: no limit): this plugin's setting, else the core's."""
    own = sftp_settings(app).max_upload_size
    return own if own is not None else settings(app).max_upload_size
