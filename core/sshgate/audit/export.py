"""Streaming exports of the audit log: JSON lines and CSV, fetched in batches.

CSV is opened by spreadsheets, which run any cell that starts like a formula. Audit cells
hold attacker-chosen text (a username typed at the login form), so such cells get a leading
``'``: the spreadsheet shows the text instead of running it (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement

from ..db import Database
from .chain import batches
from .models import AuditEntry

COLUMNS = (
    "id",
    "created_at",
    "actor",
    "source_ip",
    "action",
    "target",
    "outcome",
    "details",
    "prev_hash",
    "hash",
)
BATCH = 500
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


def neutralise(cell: str) -> str:
    """Defuse a cell a spreadsheet would read as a formula."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def csv_cells(entry: AuditEntry) -> list[str]:
    values = entry.to_json()
    values["details"] = json.dumps(
        entry.details, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return [neutralise("" if values[c] is None else str(values[c])) for c in COLUMNS]


def csv_chunk(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


def jsonl_line(entry: AuditEntry) -> str:
    return json.dumps(entry.to_json(), separators=(",", ":"), ensure_ascii=False) + "\n"


async def stream(
    db: Database, conditions: Sequence[ColumnElement[bool]], fmt: str, batch: int = BATCH
) -> AsyncIterator[bytes]:
    """The body of an export response, oldest entry first (the chain's order)."""
    if fmt == "csv":
        yield csv_chunk([list(COLUMNS)]).encode("utf-8")
    async for rows in batches(db, conditions, batch):
        if fmt == "csv":
            text = csv_chunk([csv_cells(entry) for entry in rows])
        else:
            text = "".join(jsonl_line(entry) for entry in rows)
        yield text.encode("utf-8")


def filename(fmt: str, moment: datetime | None = None) -> str:
    stamp = (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"sshgate-audit-{stamp}.{fmt}"


def headers(fmt: str) -> dict[str, Any]:
    return {
        "Content-Disposition": f'attachment; filename="{filename(fmt)}"',
        "Cache-Control": "no-store",
    }
