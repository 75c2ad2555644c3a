"""What the list and search endpoints accept (query strings; unknown parameters refused)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import ColumnElement, func

from .models import Recording


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


class Filters(BaseModel):
    """Filters shared by the list and the output search. A misspelt filter is an error,
    never a quiet "everything"."""

    model_config = ConfigDict(extra="forbid")

    user: Text | None = Field(None, max_length=255, description="exact username")
    server: Text | None = Field(None, max_length=255, description="exact server name")
    since: datetime | None = Field(None, description="ISO 8601; started at or after it")
    until: datetime | None = Field(None, description="ISO 8601; started before it")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, values: Any) -> Any:
        if isinstance(values, dict):
            return {k: v for k, v in values.items() if v != ""}
        return values

    @field_validator("since", "until")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def conditions(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.user is not None:
            where.append(Recording.username == self.user)
        if self.server is not None:
            where.append(Recording.server_name == self.server)
        if self.since is not None:
            where.append(Recording.started_at >= self.since)
        if self.until is not None:
            where.append(Recording.started_at < self.until)
        return where


class ListQuery(Filters):
    q: Text | None = Field(None, max_length=200, description="text in the title")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)

    def conditions(self) -> list[ColumnElement[bool]]:
        where = super().conditions()
        if self.q:
            escaped = self.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append(func.lower(Recording.title).like(f"%{escaped}%", escape="\\"))
        return where


class SearchQuery(Filters):
    q: Text = Field(..., min_length=2, max_length=200, description="text printed in a session")
    limit: int = Field(20, ge=1, le=100, description="matches to return")
