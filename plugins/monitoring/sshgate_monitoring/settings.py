"""The plugin's settings, read from ``SSHGATE_MONITOR_*`` (``register_settings``).

The plugin is named ``monitoring`` (static folder, tables, Alembic branch), but its settings
keep the shorter ``SSHGATE_MONITOR_`` prefix operators know from the seed's documentation.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from quart import Quart

from sshgate.api import plugin_settings

NAME = "monitoring"  # entry point: static/plugins/monitoring/, tables monitoring_*
SETTINGS = "monitor"  # SSHGATE_MONITOR_*


class MonitorSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Seconds between the end of one probe round and the start of the next.
    interval: float = Field(60.0, ge=0.1, le=86400)
    # Seconds for one probe: TCP connect plus the SSH banner (or the whole chain).
    timeout: float = Field(5.0, gt=0, le=120)
    # Probes in flight at once.
    concurrency: int = Field(10, ge=1, le=500)
    # The prober's lease: a dead holder is replaced within this many seconds (plus a third
    # of it, the other workers' renewal period).
    lease_ttl: float = Field(60.0, ge=1, le=600)
    # Bearer token for GET /metrics; unset: only signed-in administrators may scrape.
    metrics_token: SecretStr | None = None
    # Seconds between the writes of each worker's metrics to the database (see aggregate.py).
    metrics_flush: float = Field(15.0, ge=0.5, le=3600)
    # Turn probing off (the /metrics endpoint and the status API stay).
    probes: bool = True


def monitor_settings(app: Quart | None = None) -> MonitorSettings:
    return plugin_settings(SETTINGS, MonitorSettings, app)
