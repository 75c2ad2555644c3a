"""``GET /api/audit`` (search, newest first, cursor paging) and ``GET /api/audit/export``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from quart import Blueprint, Response, current_app
from quart_schema import tag, validate_querystring
from sqlalchemy import ColumnElement, String, cast, or_, select

from ..auth.permissions import requires
from ..errors import ApiError
from ..web.schemas import DB_ID_MAX, Text
from . import export
from .models import AuditEntry

bp = Blueprint("audit", __name__, url_prefix="/api/audit")


class AuditFilters(BaseModel):
    """Filters shared by search and export. Unknown parameters are refused rather than
    ignored: a misspelt filter must not quietly return the whole log."""

    model_config = ConfigDict(extra="forbid")

    actor: Text | None = Field(None, max_length=255, description="exact username")
    action: Text | None = Field(
        None, max_length=100, description="exact event name, or a prefix ending in * (auth.*)"
    )
    target: Text | None = Field(None, max_length=255, description="exact target")
    outcome: Literal["success", "failure", "denied"] | None = None
    since: datetime | None = Field(None, description="ISO 8601; entries at or after it")
    until: datetime | None = Field(None, description="ISO 8601; entries before it")
    q: Text | None = Field(
        None, max_length=200, description="case-insensitive text in actor/action/target/details"
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, values: Any) -> Any:
        # Search forms send every field, blank or not; a blank one means "any".
        if isinstance(values, dict):
            return {k: v for k, v in values.items() if v != ""}
        return values

    @field_validator("since", "until")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class AuditQuery(AuditFilters):
    limit: int = Field(100, ge=1, le=500)
    before_id: int | None = Field(
        None, ge=1, le=DB_ID_MAX, description="cursor: next_before_id of a page"
    )


class ExportQuery(AuditFilters):
    format: Literal["jsonl", "csv"] = "jsonl"


def conditions(filters: AuditFilters) -> list[ColumnElement[bool]]:
    if filters.since and filters.until and filters.until <= filters.since:
        raise ApiError(400, "validation_error", "until: must be later than since")
    where: list[ColumnElement[bool]] = []
    if filters.actor is not None:
        where.append(AuditEntry.actor == filters.actor)
    if filters.action is not None:
        if filters.action.endswith("*"):
            prefix = filters.action[:-1]
            where.append(AuditEntry.action.startswith(prefix, autoescape=True))
        else:
            where.append(AuditEntry.action == filters.action)
    if filters.target is not None:
        where.append(AuditEntry.target == filters.target)
    if filters.outcome is not None:
        where.append(AuditEntry.outcome == filters.outcome)
    if filters.since is not None:
        where.append(AuditEntry.created_at >= filters.since)
    if filters.until is not None:
        where.append(AuditEntry.created_at < filters.until)
    if filters.q:
        # The details column is searched as its stored JSON text, keys included.
        where.append(
            or_(
                *(
                    column.icontains(filters.q, autoescape=True)
                    for column in (
                        AuditEntry.actor,
                        AuditEntry.action,
                        AuditEntry.target,
                        cast(AuditEntry.details, String),
                    )
                )
            )
        )
    return where


@bp.get("")
@requires("admin.audit.list")
@tag(["audit"])
@validate_querystring(AuditQuery)
async def list_entries(query_args: AuditQuery) -> dict[str, Any]:
    """Search the audit log, newest first. Pass ``next_before_id`` back as ``before_id``."""
    where = conditions(query_args)
    if query_args.before_id is not None:
        where.append(AuditEntry.id < query_args.before_id)
    async with current_app.extensions["sshgate"].db.session() as session:
        rows = list(
            await session.scalars(
                select(AuditEntry)
                .where(*where)
                .order_by(AuditEntry.id.desc())
                .limit(query_args.limit + 1)  # one more tells whether another page exists
            )
        )
    page = rows[: query_args.limit]
    more = len(rows) > query_args.limit
    return {
        "entries": [entry.to_json() for entry in page],
        "next_before_id": page[-1].id if more else None,
    }


@bp.get("/export")
@requires("admin.audit.export")
@tag(["audit"])
@validate_querystring(ExportQuery)
async def export_entries(query_args: ExportQuery) -> Response:
    """Download the matching entries, oldest first, as JSON lines or CSV (streamed)."""
    db = current_app.extensions["sshgate"].db  # the body is produced after the request ends
    body = export.stream(db, conditions(query_args), query_args.format)
    response = Response(
        body,
        content_type=export.FORMATS[query_args.format],
        headers=export.headers(query_args.format),
    )
    # Quart cuts any response at RESPONSE_TIMEOUT (60 s) silently; a big export takes longer.
    response.timeout = None
    return response
