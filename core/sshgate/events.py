"""Events: small dataclasses that audit, webhooks and monitoring consume via ``track_event``."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any, ClassVar

COMMON_FIELDS = frozenset({"actor", "source_ip", "target", "outcome", "created"})


@dataclasses.dataclass(kw_only=True)
class Event:
    """Base class. Subclasses set ``name`` (``area.verb``) and add their own fields.

    ``audited`` events become audit log entries; the rest (start-up, say) only reach
    ``track_event`` consumers. Never put secrets in an event: audit keeps them forever.
    """

    name: ClassVar[str] = "event"
    audited: ClassVar[bool] = True
    actor: str | None = None
    source_ip: str | None = None
    target: str | None = None
    outcome: str = "success"
    created: datetime = dataclasses.field(default_factory=lambda: datetime.now(UTC))

    def properties(self) -> dict[str, Any]:
        """Fields other than the common ones, as JSON-friendly values."""
        common = COMMON_FIELDS
        return {
            f.name: _jsonable(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.name not in common
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "actor": self.actor,
            "source_ip": self.source_ip,
            "target": self.target,
            "outcome": self.outcome,
            "created": self.created.isoformat(),
            "properties": self.properties(),
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


@dataclasses.dataclass(kw_only=True)
class StartupEvent(Event):
    """The app finished starting."""

    name: ClassVar[str] = "app.startup"
    audited: ClassVar[bool] = False
    instance_id: str
    version: str
