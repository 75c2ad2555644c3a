"""Registry events. Details name the fields that changed, never their values."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from ..events import Event


@dataclasses.dataclass(kw_only=True)
class ServerChanged(Event):
    name: ClassVar[str] = "registry.server_changed"
    change: str  # created, updated, deleted
    fields: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(kw_only=True)
class ServersImported(Event):
    name: ClassVar[str] = "registry.servers_imported"
    # Not ``created``: that is Event's timestamp, and an int there broke the audit entry.
    created_count: int = 0
    updated: int = 0
    skipped: int = 0


@dataclasses.dataclass(kw_only=True)
class ServersExported(Event):
    name: ClassVar[str] = "registry.servers_exported"
    count: int = 0
    sealed: bool = False


@dataclasses.dataclass(kw_only=True)
class KeyRotated(Event):
    name: ClassVar[str] = "registry.secret_key_rotated"
    secrets: int = 0


ALL = [ServerChanged, ServersImported, ServersExported, KeyRotated]
