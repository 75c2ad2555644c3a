"""Migrations: every branch applies, step by step equals all at once, models match the
migrations, a failure applies nothing, and concurrent starters all succeed."""

from __future__ import annotations

import asyncio
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from sshgate.app import create_app
from sshgate.db import Database, Model
from sshgate.db.migrate import alembic_config, status, upgrade
from sshgate.errors import StartupError


@pytest.fixture
def locations(sshgate_settings) -> list[str]:
    """Core's branch and the test plugin's, as the app collects them from the hook."""
    app = create_app(sshgate_settings, environ={})
    return app.extensions["sshgate"].migration_locations


def snapshot(connection) -> dict:
    """Tables, columns, indexes, unique and foreign keys: what "the same schema" means here."""
    inspector = inspect(connection)
    schema = {}
    for table in sorted(inspector.get_table_names()):
        schema[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            "uniques": sorted(
                (u["name"], tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(table)
            ),
            "fks": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in inspector.get_foreign_keys(table)
            ),
        }
    return schema


async def schema_of(db: Database) -> dict:
    async with db.engine.connect() as conn:
        return await conn.run_sync(snapshot)


def revisions_in_order(locations: list[str]) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(locations))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


async def test_fresh_database_gets_every_branch(db_url, locations):
    db = Database(db_url)
    try:
        applied = await upgrade(db.engine, locations)
        assert set(applied) == set(revisions_in_order(locations))
        assert {"core_0001", "testplugin_0001"} <= set(applied)
        result = await status(db.engine, locations)
        assert result.pending == [] and result.up_to_date
        assert "testplugin_notes" in await schema_of(db)
        assert await upgrade(db.engine, locations) == []  # idempotent
    finally:
        await db.dispose()


async def test_step_by_step_equals_all_at_once(db_url_factory, locations):
    at_once, stepwise = Database(await db_url_factory()), Database(await db_url_factory())
    try:
        await upgrade(at_once.engine, locations)
        for revision in revisions_in_order(locations):
            await upgrade(stepwise.engine, locations, target=revision)
        assert (await status(stepwise.engine, locations)).pending == []
        assert await schema_of(stepwise) == await schema_of(at_once)
    finally:
        await at_once.dispose()
        await stepwise.dispose()


async def test_models_match_migrations(db_url, locations):
    import sshgate_testplugin  # noqa: F401  (its models join Model.metadata)

    db = Database(db_url)
    try:
        await upgrade(db.engine, locations)
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), Model.metadata)
            )
        assert diff == []
    finally:
        await db.dispose()


BROKEN_FIRST = """
import sqlalchemy as sa
from alembic import op
revision = "broken_0001"
down_revision = None
branch_labels = ("broken",)
depends_on = None
def upgrade():
    op.create_table("broken_first", sa.Column("id", sa.Integer, primary_key=True))
"""
BROKEN_SECOND = """
from alembic import op
revision = "broken_0002"
down_revision = "broken_0001"
branch_labels = None
depends_on = None
def upgrade():
    op.execute("INSERT INTO no_such_table VALUES (1)")
"""


async def test_failed_migration_applies_nothing(db_url, locations, tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "broken_0001.py").write_text(BROKEN_FIRST)
    (folder / "broken_0002.py").write_text(BROKEN_SECOND)
    db = Database(db_url)
    try:
        with pytest.raises(StartupError, match=r"migration failed .* nothing was applied"):
            await upgrade(db.engine, [*locations, str(folder)])
        assert await schema_of(db) == {}  # not even the version table
        # Without the broken branch, everything else still applies cleanly.
        await upgrade(db.engine, locations)
        assert "broken_first" not in await schema_of(db)
    finally:
        await db.dispose()


async def test_four_workers_migrating_at_once_all_succeed(db_url, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "SSHGATE_DB_URL": db_url}
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "sshgate",
            "migrate",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(4)
    ]
    results = [await p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], results
    outputs = sorted(out.decode().strip() for out, _ in results)
    # Exactly one of them did the work; the others found nothing to do.
    assert outputs[0].startswith("applied core_0001, core_0002")
    assert outputs[1:] == ["database is up to date"] * 3
