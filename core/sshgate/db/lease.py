"""Leases: one holder at a time for a named job among N workers, kept in the database.

A lease is a row (name, holder, expires_at, generation). Taking or renewing it is one
conditional UPDATE ("mine, or expired") or, for a name never used, an INSERT that loses to a
concurrent one on the primary key; both work the same on SQLite and PostgreSQL and need no
lock held between calls. ``generation`` grows each time the lease changes hands, so work
stamped with it can be told apart from a former holder's (a fencing token).

Expiry is judged by the workers' clocks: keep them in sync (NTP) and the TTL well above the
skew. A holder that stops renewing loses the lease ``ttl`` seconds after its last renewal.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Integer, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model
from .engine import Database
from .types import UTCDateTime, utcnow


class LeaseRow(Model):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    generation: Mapped[int] = mapped_column(Integer, default=1)


def _table() -> Table:
    # Core statements on the table (no ORM session synchronisation). Declarative types
    # __table__ as a FromClause; for a class with __tablename__ it is always the Table.
    return cast(Table, LeaseRow.__table__)


class Lease:
    """A named lease taken by ``holder`` (a worker's instance id) for ``ttl`` seconds."""

    def __init__(self, db: Database, name: str, holder: str, ttl: float) -> None:
        if ttl <= 0:
            raise ValueError("a lease needs a positive ttl")
        self.db = db
        self.name = name
        self.holder = holder
        self.ttl = ttl
        self.generation: int | None = None  # set while held

    @property
    def held(self) -> bool:
        return self.generation is not None

    async def acquire(self) -> bool:
        """Take the lease or renew it; False when another live holder has it."""
        now = utcnow()
        expires = now + timedelta(seconds=self.ttl)
        table = _table()
        async with self.db.session() as session:
            current = (
                await session.execute(
                    select(LeaseRow.holder, LeaseRow.generation).where(LeaseRow.name == self.name)
                )
            ).first()
            if current is None:
                try:
                    async with session.begin_nested():
                        await session.execute(
                            insert(table).values(
                                name=self.name, holder=self.holder, expires_at=expires, generation=1
                            )
                        )
                except IntegrityError:
                    self.generation = None  # another worker inserted it first
                    return False
                self.generation = 1
                return True
            generation = (
                current.generation if current.holder == self.holder else (current.generation + 1)
            )
            # DML executes to a CursorResult (rowcount); Session.execute is typed as Result.
            result = cast(
                CursorResult[Any],
                await session.execute(
                    update(table)
                    .where(
                        table.c.name == self.name,
                        (table.c.holder == self.holder) | (table.c.expires_at < now),
                        table.c.generation == current.generation,
                    )
                    .values(holder=self.holder, expires_at=expires, generation=generation)
                ),
            )
        self.generation = generation if result.rowcount == 1 else None
        return self.held

    async def release(self) -> None:
        """Give the lease up at once (on shutdown), so a successor need not wait for expiry."""
        if not self.held:
            return
        table = _table()
        async with self.db.session() as session:
            await session.execute(
                update(table)
                .where(table.c.name == self.name, table.c.holder == self.holder)
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
        self.generation = None


async def holder_of(db: Database, name: str) -> str | None:
    """The live holder of a lease, or None."""
    async with db.session() as session:
        row = (
            await session.execute(
                select(LeaseRow.holder, LeaseRow.expires_at).where(LeaseRow.name == name)
            )
        ).first()
    return row.holder if row is not None and row.expires_at > utcnow() else None
