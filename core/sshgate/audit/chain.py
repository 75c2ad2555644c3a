"""The hash chain: how entries are hashed, appended one at a time, and verified.

Each entry stores ``prev_hash`` (the previous entry's ``hash``; 64 zeros for the first) and

    hash = sha256(prev_hash + canonical_json(payload)).hexdigest()

where ``payload`` is the object ``{id, created_at, actor, source_ip, action, target, outcome,
details}`` (``created_at`` in ISO 8601 with microseconds and ``+00:00``) and
``canonical_json`` is ``json.dumps(payload, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` encoded as UTF-8. Anyone with a JSON-lines export can recompute it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from quart import Quart
from sqlalchemy import ColumnElement, select, text

from ..db import Database
from ..events import Event
from .models import AuditEntry

GENESIS = "0" * 64
# A fixed 63-bit key for pg_advisory_xact_lock, derived from a name rather than invented.
ADVISORY_LOCK_KEY = int.from_bytes(hashlib.sha256(b"sshgate-audit").digest()[:8], "big") >> 1
REDACTED = "[redacted]"
SECRET_WORDS = ("password", "secret", "token", "key")
NOT_SECRET = frozenset({"key_name"})
BATCH = 1000


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(entry: AuditEntry, prev_hash: str) -> str:
    payload = {
        "id": entry.id,
        "created_at": entry.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "source_ip": entry.source_ip,
        "action": entry.action,
        "target": entry.target,
        "outcome": entry.outcome,
        "details": entry.details,
    }
    return hashlib.sha256((prev_hash + canonical_json(payload)).encode("utf-8")).hexdigest()


def clean_details(value: Any) -> Any:
    """Redact secret-looking keys, and reduce values to plain JSON.

    The result must read back from the JSON column exactly as written, or the hash computed
    at insert would differ from the one recomputed by ``verify``: tuples become lists, odd
    types and non-finite floats become strings.
    """
    if isinstance(value, dict):
        return {
            str(k): REDACTED if _is_secret(str(k)) else clean_details(v) for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [clean_details(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _is_secret(key: str) -> bool:
    lowered = key.lower()
    return lowered not in NOT_SECRET and any(word in lowered for word in SECRET_WORDS)


def _text(value: str | None, length: int) -> str | None:
    # PostgreSQL refuses NUL in text and enforces lengths; losing the entry would be worse.
    return None if value is None else str(value).replace("\x00", "?")[:length]


def _lock(app: Quart) -> asyncio.Lock:
    lock: asyncio.Lock | None = app.extensions.get("sshgate.audit.lock")
    if lock is None:
        lock = app.extensions["sshgate.audit.lock"] = asyncio.Lock()
    return lock


async def append(app: Quart, event: Event) -> AuditEntry:
    """Record one event as the next link of the chain.

    Serialised so that two appends never read the same predecessor (a fork): one append at a
    time per process (the asyncio lock), and across PostgreSQL workers the advisory lock,
    taken before the INSERT so that ids are also handed out in chain order.

    The hash covers the id, which the database assigns, so the row is inserted first with
    empty hashes, then its predecessor is read and the hashes set, all in one transaction
    (no reader ever sees the placeholders). Inserting first also matters on SQLite: the
    INSERT takes the database write lock, so the predecessor read after it is the latest
    committed row even when another process appends too.
    """
    created = event.created if event.created.tzinfo else event.created.replace(tzinfo=UTC)
    entry = AuditEntry(
        created_at=created.astimezone(UTC),
        actor=_text(event.actor, 64),
        source_ip=_text(event.source_ip, 64),
        action=_text(event.name, 100) or "event",
        target=_text(event.target, 255),
        outcome=_text(event.outcome, 16) or "success",
        details=clean_details(event.properties()),
        prev_hash="",
        hash="",
    )
    db: Database = app.extensions["sshgate"].db
    async with _lock(app), db.session() as session:
        if db.dialect == "postgresql":
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            )
        session.add(entry)
        await session.flush()
        prev = await session.scalar(
            select(AuditEntry.hash)
            .where(AuditEntry.id < entry.id)
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )
        entry.prev_hash = prev or GENESIS
        entry.hash = entry_hash(entry, entry.prev_hash)
    return entry


async def batches(
    db: Database, conditions: Sequence[ColumnElement[bool]] = (), batch: int = BATCH
) -> AsyncGenerator[list[AuditEntry], None]:
    """Matching entries by ascending id, one batch per short transaction (keyset paging), so
    neither memory nor an open transaction grows with the size of the log."""
    last_id = 0
    while True:
        async with db.session() as session:
            rows = list(
                await session.scalars(
                    select(AuditEntry)
                    .where(*conditions, AuditEntry.id > last_id)
                    .order_by(AuditEntry.id)
                    .limit(batch)
                )
            )
        if rows:
            yield rows
        if len(rows) < batch:
            return
        last_id = rows[-1].id


@dataclass
class Verdict:
    intact: bool
    entries: int
    message: str
    broken_id: int | None = None


async def verify(db: Database, batch: int = BATCH) -> Verdict:
    """Walk the chain from the first entry and report the first broken link.

    Detected: an entry edited in place (its hash no longer matches), and an entry inserted
    or deleted anywhere before the newest one (the next entry's ``prev_hash`` no longer
    matches). Not detectable by a chain alone: deleting the newest entries (the rest still
    forms a valid chain), or rewriting an entry together with every hash after it. Catching
    those needs the latest hash kept somewhere else (an export, a webhook receiver).
    """
    expected, previous_id, count = GENESIS, None, 0
    async with aclosing(batches(db, batch=batch)) as pages:
        async for rows in pages:
            for entry in rows:
                problem = _broken(entry, expected, previous_id)
                if problem:
                    return Verdict(False, count, problem, entry.id)
                expected, previous_id, count = entry.hash, entry.id, count + 1
    return Verdict(True, count, f"audit log intact: {count} entries")


def _broken(entry: AuditEntry, expected_prev: str, previous_id: int | None) -> str | None:
    if entry_hash(entry, entry.prev_hash) != entry.hash:
        return f"audit entry {entry.id} does not match its hash (edited?)"
    if entry.prev_hash != expected_prev:
        after = f"entry {previous_id}" if previous_id else "the start of the log"
        return (
            f"audit entry {entry.id} does not follow {after} "
            "(prev_hash mismatch: inserted or deleted?)"
        )
    return None
