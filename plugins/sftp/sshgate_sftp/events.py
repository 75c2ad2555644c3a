"""Audited file events (``files.<op>``), consumed by audit and webhooks via ``track_event``.

Every operation emits one (listing and stat only when refused), with ``outcome`` success,
failure or denied (path rules, read-only, a ``before_file_transfer`` veto). ``target`` is
the server's name; ``path`` the resolved path on the server; ``bytes`` what was moved.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from sshgate.api import Event


@dataclasses.dataclass(kw_only=True)
class FileEvent(Event):
    name: ClassVar[str] = "files.event"
    server_id: int
    path: str
    bytes: int = 0
    message: str | None = None


@dataclasses.dataclass(kw_only=True)
class FilesListed(FileEvent):
    """Emitted only when a listing or stat is refused (path rules, veto)."""

    name: ClassVar[str] = "files.list"


@dataclasses.dataclass(kw_only=True)
class FileRead(FileEvent):
    """The editor opened a file."""

    name: ClassVar[str] = "files.read"


@dataclasses.dataclass(kw_only=True)
class FileDownloaded(FileEvent):
    name: ClassVar[str] = "files.download"
    range: str | None = None


@dataclasses.dataclass(kw_only=True)
class ZipDownloaded(FileEvent):
    """A streamed ZIP of ``paths``; ``path`` is the first of them."""

    name: ClassVar[str] = "files.download_zip"
    paths: list[str] = dataclasses.field(default_factory=list)
    files: int = 0
    errors: int = 0


@dataclasses.dataclass(kw_only=True)
class FileUploaded(FileEvent):
    name: ClassVar[str] = "files.upload"
    resumable: bool = False


@dataclasses.dataclass(kw_only=True)
class FileWritten(FileEvent):
    """The editor saved a file."""

    name: ClassVar[str] = "files.write"


@dataclasses.dataclass(kw_only=True)
class DirectoryCreated(FileEvent):
    name: ClassVar[str] = "files.mkdir"


@dataclasses.dataclass(kw_only=True)
class FileRenamed(FileEvent):
    name: ClassVar[str] = "files.rename"
    to_path: str | None = None


@dataclasses.dataclass(kw_only=True)
class FilesDeleted(FileEvent):
    """``path`` is the first of ``paths``; ``count`` entries were removed in all."""

    name: ClassVar[str] = "files.delete"
    paths: list[str] = dataclasses.field(default_factory=list)
    recursive: bool = False
    count: int = 0


@dataclasses.dataclass(kw_only=True)
class ModeChanged(FileEvent):
    name: ClassVar[str] = "files.chmod"
    mode: str | None = None


@dataclasses.dataclass(kw_only=True)
class FileCopied(FileEvent):
    """Copied through the gateway from this server to another (SFTP-8)."""

    name: ClassVar[str] = "files.copy"
    target_server_id: int | None = None
    target_server: str | None = None
    target_path: str | None = None


EVENTS: list[type[FileEvent]] = [
    FilesListed,
    FileRead,
    FileDownloaded,
    ZipDownloaded,
    FileUploaded,
    FileWritten,
    DirectoryCreated,
    FileRenamed,
    FilesDeleted,
    ModeChanged,
    FileCopied,
]
