"""The app's state, kept in ``app.extensions["sshgate"]``, and typed ways to reach it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from quart import Quart, current_app

if TYPE_CHECKING:
    from pydantic import BaseModel

    from .db import Database
    from .plugins import Plugins
    from .settings import Settings


@dataclass
class Gate:
    """Everything the app owns: settings, plugins, the database."""

    settings: Settings
    plugins: Plugins
    db: Database
    plugin_settings: dict[str, BaseModel]
    migration_locations: list[str]
    instance_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started: datetime = field(default_factory=lambda: datetime.now(UTC))


def get_gate(app: Quart) -> Gate:
    gate: Gate = app.extensions["sshgate"]
    return gate


def current_gate() -> Gate:
    """The state of the app handling the current request, WebSocket or app context."""
    return get_gate(current_app)
