"""What a receiver gets: the JSON body and the headers that sign it.

The signature is HMAC-SHA256, keyed with the webhook's secret, over
``<timestamp>.<body>``: the ``X-Sshgate-Timestamp`` header (Unix seconds, fresh for every
attempt), a dot, and the raw body bytes. It is sent as ``X-Sshgate-Signature: v1=<hex>``.
A receiver recomputes it, compares in constant time and refuses timestamps older than a few
minutes (replays). ``X-Sshgate-Delivery`` and ``Idempotency-Key`` carry the delivery id,
the same on every retry and redelivery: receivers deduplicate on it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from typing import Any

from sshgate.api import Event

USER_AGENT = "sshgate-webhooks/0.1"
SIGNATURE_HEADER = "X-Sshgate-Signature"
TIMESTAMP_HEADER = "X-Sshgate-Timestamp"
# Headers we set; custom headers may not replace them.
RESERVED = frozenset(
    h.lower()
    for h in (
        SIGNATURE_HEADER,
        TIMESTAMP_HEADER,
        "X-Sshgate-Delivery",
        "X-Sshgate-Event",
        "Idempotency-Key",
        "Content-Type",
        "Content-Length",
        "Host",
        "User-Agent",
        "Transfer-Encoding",
        "Connection",
    )
)
SECRET_WORDS = ("password", "secret", "token", "key")


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def new_id() -> str:
    return uuid.uuid4().hex


def body_for(event: Event, delivery_id: str, event_id: str) -> str:
    """The delivery's JSON, fixed when the event is queued (retries send the same bytes)."""
    created = event.created.isoformat()
    payload = {
        "id": delivery_id,
        "event_id": event_id,
        "event": event.name,
        "created": created,
        "actor": event.actor,
        "source_ip": event.source_ip,
        "target": event.target,
        "outcome": event.outcome,
        "details": redact(event.properties()),
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str)


def redact(value: Any) -> Any:
    """As the audit log does: secret-looking keys never leave the gateway."""
    if isinstance(value, dict):
        return {str(k): "[redacted]" if _secret(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def _secret(key: str) -> bool:
    lowered = key.lower()
    return lowered != "key_name" and any(word in lowered for word in SECRET_WORDS)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def headers_for(
    secret: str, delivery_id: str, event: str, body: bytes, custom: dict[str, str]
) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        **{k: v for k, v in custom.items() if k.lower() not in RESERVED},
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Sshgate-Event": event,
        "X-Sshgate-Delivery": delivery_id,
        "Idempotency-Key": delivery_id,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
