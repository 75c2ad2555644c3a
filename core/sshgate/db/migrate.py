"""Run Alembic migrations from code: all branches at once, in one transaction, under a lock.

Several workers may start together. On PostgreSQL they serialise on a transaction-scoped
advisory lock; on SQLite on a lock file beside the database. The first one migrates; the
others find nothing left to do. All revisions run in a single transaction, so a failure
leaves the schema exactly as it was.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from ..errors import StartupError
from .engine import create_engine, display_url

log = logging.getLogger(__name__)

SCRIPT_LOCATION = str(Path(__file__).parent / "migrations")
# A fixed 63-bit key for pg_advisory_xact_lock, derived from a name rather than invented.
ADVISORY_LOCK_KEY = int.from_bytes(hashlib.sha256(b"sshgate-migrate").digest()[:8], "big") >> 1
LOCK_TIMEOUT = 300


def alembic_config(version_locations: Sequence[str]) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(str(p) for p in version_locations))
    return cfg


@dataclass
class MigrationStatus:
    current: list[str]
    heads: list[str]
    pending: list[str]

    @property
    def up_to_date(self) -> bool:
        return not self.pending

    def to_json(self) -> dict[str, Any]:
        return {"current": self.current, "heads": self.heads, "pending": self.pending}


@asynccontextmanager
async def _sqlite_file_lock(url: str) -> AsyncIterator[None]:
    database = make_url(url).database
    if not database or database == ":memory:":
        yield
        return
    lock = FileLock(f"{database}.migrate.lock", thread_local=False)
    try:
        await asyncio.to_thread(lock.acquire, timeout=LOCK_TIMEOUT)
    except TimeoutError:
        raise StartupError(f"timed out waiting for the migration lock {lock.lock_file}") from None
    try:
        yield
    finally:
        lock.release()


def _upgrade(connection: Connection, cfg: Config, target: str) -> list[str]:
    before = set(_status(connection, cfg).pending)
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, target)
    return sorted(before - set(_status(connection, cfg).pending))


async def upgrade(
    engine: AsyncEngine, version_locations: Sequence[str], target: str = "heads"
) -> list[str]:
    """Apply every pending revision; return the revisions applied."""
    cfg = alembic_config(version_locations)
    url = engine.url.render_as_string(hide_password=False)
    try:
        lock = _sqlite_file_lock(url) if engine.dialect.name == "sqlite" else _no_lock()
        async with lock, _migration_engine(engine) as migrating, migrating.begin() as conn:
            if engine.dialect.name == "postgresql":
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
            changed = await conn.run_sync(_upgrade, cfg, target)
    except StartupError:
        raise
    except Exception as exc:
        raise StartupError(
            f"migration failed on {display_url(url)}, nothing was applied: {_first_line(exc)}"
        ) from exc
    if changed:
        log.info("database migrated: applied %s", ", ".join(changed))
    return changed


@asynccontextmanager
async def _migration_engine(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """On PostgreSQL an engine of its own without the statement timeouts of requests: a
    migration, or waiting for another worker's under the lock, may take longer."""
    if engine.dialect.name != "postgresql":
        yield engine
        return
    own = create_engine(engine.url.render_as_string(hide_password=False), statement_timeouts=False)
    try:
        yield own
    finally:
        await own.dispose()


@asynccontextmanager
async def _no_lock() -> AsyncIterator[None]:
    yield


def _status(connection: Connection, cfg: Config) -> MigrationStatus:
    script = ScriptDirectory.from_config(cfg)
    current = list(MigrationContext.configure(connection).get_current_heads())
    heads = list(script.get_heads())
    applied = (
        {rev.revision for rev in script.iterate_revisions(tuple(current), "base")}
        if current
        else set()
    )
    pending = [rev.revision for rev in script.walk_revisions() if rev.revision not in applied]
    return MigrationStatus(current=sorted(current), heads=sorted(heads), pending=sorted(pending))


async def status(engine: AsyncEngine, version_locations: Sequence[str]) -> MigrationStatus:
    cfg = alembic_config(version_locations)
    async with engine.connect() as conn:
        return await conn.run_sync(_status, cfg)


def _first_line(exc: BaseException) -> str:
    text_ = str(exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__
