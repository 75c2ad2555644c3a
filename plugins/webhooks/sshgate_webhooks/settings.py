"""The plugin's settings, read from ``SSHGATE_WEBHOOKS_*`` (``register_settings``)."""

from __future__ import annotations

import ipaddress
import ssl

from pydantic import BaseModel, ConfigDict, Field, field_validator
from quart import Quart

from sshgate.api import plugin_settings

NAME = "webhooks"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class WebhooksSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Comma-separated networks that destinations may resolve to although they are not
    # public (loopback, private, link-local...): "10.0.0.0/8,127.0.0.1/32". Empty: only
    # public addresses are ever contacted.
    allow_networks: str = ""
    # A PEM file of CA certificates trusted for https:// receivers besides the public CAs
    # (an in-house SIEM with a private CA). Certificates are always verified.
    ca_file: str = ""
    # Seconds for connecting, sending and reading the answer of one delivery attempt.
    timeout: float = Field(10.0, gt=0, le=120)
    # Attempts before a delivery is dead-lettered (redelivery from the UI starts afresh).
    max_attempts: int = Field(8, ge=1, le=50)
    # Retry n waits between half and all of min(backoff_cap, backoff_base * 2**(n-1)) s.
    backoff_base: float = Field(10.0, gt=0)
    backoff_cap: float = Field(3600.0, gt=0)
    # Undelivered events kept per webhook; beyond it new events are dropped and counted,
    # and one webhooks.queue_full alert is emitted until the receiver answers again.
    max_queue: int = Field(10_000, ge=1)
    # How often the delivery worker looks for due deliveries, and how many it takes at once.
    poll_interval: float = Field(2.0, gt=0)
    batch_size: int = Field(50, ge=1, le=1000)
    concurrency: int = Field(8, ge=1, le=100)
    # The delivery worker runs on one worker process at a time, under a lease of this many
    # seconds (another process takes over within it when the holder dies).
    lease_ttl: float = Field(30.0, ge=3)
    # Delivered and dead-lettered rows are deleted after this many days.
    retention_days: int = Field(30, ge=1)
    # Bytes of a receiver's answer kept in the delivery log.
    response_prefix: int = Field(512, ge=0, le=4096)

    @field_validator("allow_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        for item in split(value):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not a network (10.0.0.0/8, ::1/128)") from None
        return value

    @field_validator("ca_file")
    @classmethod
    def _ca_file(cls, value: str) -> str:
        if value:
            try:
                ssl.create_default_context(cafile=value)
            except (OSError, ssl.SSLError) as exc:
                raise ValueError(f"cannot read CA certificates from {value!r}: {exc}") from None
        return value

    def networks(self) -> list[Network]:
        return [ipaddress.ip_network(item, strict=False) for item in split(self.allow_networks)]

    def claim_seconds(self) -> float:
        """How long a claimed delivery stays with its worker before another may retry it
        (a worker killed mid-send): longer than any attempt can take."""
        return self.timeout * 2 + 5


def split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def webhooks_settings(app: Quart | None = None) -> WebhooksSettings:
    return plugin_settings(NAME, WebhooksSettings, app)
