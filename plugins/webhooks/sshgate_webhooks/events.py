"""The plugin's own audited events, and the event patterns a webhook subscribes with."""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from typing import ClassVar

from sshgate.api import Event

# An event name, or a wildcard over names: "*", "auth.*", "terminal.*.closed".
PATTERN = re.compile(r"^[a-z0-9_*][a-z0-9_.*-]{0,99}$")


def matches(patterns: list[str], name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


@dataclasses.dataclass(kw_only=True)
class WebhookCreated(Event):
    """A webhook was added."""

    name: ClassVar[str] = "webhooks.created"
    webhook_id: int
    events: list[str]


@dataclasses.dataclass(kw_only=True)
class WebhookUpdated(Event):
    """A webhook's URL, events, headers or state changed."""

    name: ClassVar[str] = "webhooks.updated"
    webhook_id: int
    changed: list[str]


@dataclasses.dataclass(kw_only=True)
class WebhookDeleted(Event):
    """A webhook and its queue and delivery log were removed."""

    name: ClassVar[str] = "webhooks.deleted"
    webhook_id: int


@dataclasses.dataclass(kw_only=True)
class SecretRotated(Event):
    """A webhook got a new signing secret."""

    name: ClassVar[str] = "webhooks.secret_rotated"
    webhook_id: int


@dataclasses.dataclass(kw_only=True)
class WebhookTested(Event):
    """An administrator sent a test delivery."""

    name: ClassVar[str] = "webhooks.tested"
    webhook_id: int
    status_code: int | None
    error: str | None


@dataclasses.dataclass(kw_only=True)
class Redelivered(Event):
    """An administrator queued a delivery again."""

    name: ClassVar[str] = "webhooks.redelivered"
    webhook_id: int
    delivery_id: str


@dataclasses.dataclass(kw_only=True)
class DeliveryRead(Event):
    """An administrator read a delivery's payload (an audit event's details)."""

    name: ClassVar[str] = "webhooks.delivery_read"
    webhook_id: int
    delivery_id: str


@dataclasses.dataclass(kw_only=True)
class QueueFull(Event):
    """A webhook's queue is full: new events for it are dropped until it drains."""

    name: ClassVar[str] = "webhooks.queue_full"
    webhook_id: int
    max_queue: int
    dropped: int


@dataclasses.dataclass(kw_only=True)
class DeadLettered(Event):
    """A delivery gave up after its last attempt (not sent to webhooks: no echo loops)."""

    name: ClassVar[str] = "webhooks.dead_lettered"
    webhook_id: int
    delivery_id: str
    attempts: int
    error: str | None


# Events about deliveries themselves never become deliveries: a dead receiver would
# otherwise feed its own queue.
NOT_DELIVERED = frozenset({DeadLettered.name, DeliveryRead.name})

EVENTS: tuple[type[Event], ...] = (
    WebhookCreated,
    WebhookUpdated,
    WebhookDeleted,
    SecretRotated,
    WebhookTested,
    Redelivered,
    DeliveryRead,
    QueueFull,
    DeadLettered,
)


@dataclasses.dataclass(kw_only=True)
class Ping(Event):
    """The body of a test delivery (the Test button); never audited by itself."""

    name: ClassVar[str] = "webhooks.ping"
    audited: ClassVar[bool] = False
    webhook_id: int
