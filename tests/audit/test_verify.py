"""``sshgate audit verify`` against tampering, and a chain that holds under concurrency."""

from __future__ import annotations

import asyncio

import pytest
from audit_helpers import Ping, chain_hash, run_verify, search
from sqlalchemy import text

from sshgate.app import create_app
from sshgate.audit import chain
from sshgate.track import emit


async def entry_ids(admin) -> list[int]:
    return sorted(e["id"] for e in (await search(admin, limit=500))["entries"])


async def execute(app, sql: str, **params) -> None:
    """The tamper: plain SQL, as someone with database access would do it."""
    async with app.extensions["sshgate"].db.session() as session:
        await session.execute(text(sql), params)


@pytest.fixture
async def five_entries(app, make_client, admin_client) -> list[int]:
    for name in ("bob", "carol", "dave", "erin"):
        await make_client(name)
    ids = await entry_ids(admin_client)
    assert len(ids) == 5
    return ids


async def test_intact_log_verifies(db_url, five_entries):
    code, output = await run_verify(db_url)
    assert (code, output.strip()) == (0, "audit log intact: 5 entries")


async def test_empty_log_verifies(db_url, app):
    code, output = await run_verify(db_url)
    assert (code, output.strip()) == (0, "audit log intact: 0 entries")


async def test_edited_actor_is_detected(app, db_url, five_entries):
    victim = five_entries[2]
    await execute(app, "UPDATE audit_entries SET actor = 'mallory' WHERE id = :id", id=victim)
    code, output = await run_verify(db_url)
    assert code == 1
    assert f"audit entry {victim} does not match its hash (edited?)" in output


async def test_edited_details_are_detected(app, db_url, five_entries):
    victim = five_entries[1]
    await execute(
        app, 'UPDATE audit_entries SET details = \'{"method": "sso"}\' WHERE id = :id', id=victim
    )
    code, output = await run_verify(db_url)
    assert code == 1
    assert f"audit entry {victim} does not match its hash (edited?)" in output


async def test_forgery_with_a_recomputed_hash_breaks_the_next_link(
    app, db_url, admin_client, five_entries
):
    victim, after = five_entries[1], five_entries[2]
    await execute(app, "UPDATE audit_entries SET actor = 'mallory' WHERE id = :id", id=victim)
    (row,) = [e for e in (await search(admin_client, limit=500))["entries"] if e["id"] == victim]
    forged = chain_hash(row["prev_hash"], row)
    await execute(app, "UPDATE audit_entries SET hash = :h WHERE id = :id", h=forged, id=victim)
    code, output = await run_verify(db_url)
    assert code == 1
    assert f"audit entry {after} does not follow entry {victim}" in output


async def test_deleted_middle_entry_is_detected(app, db_url, five_entries):
    before, gone, after = five_entries[1:4]
    await execute(app, "DELETE FROM audit_entries WHERE id = :id", id=gone)
    code, output = await run_verify(db_url)
    assert code == 1
    assert (
        f"audit entry {after} does not follow entry {before} "
        "(prev_hash mismatch: inserted or deleted?)"
    ) in output


async def test_deleted_first_entry_is_detected(app, db_url, five_entries):
    await execute(app, "DELETE FROM audit_entries WHERE id = :id", id=five_entries[0])
    code, output = await run_verify(db_url)
    assert code == 1
    assert f"audit entry {five_entries[1]} does not follow the start of the log" in output


async def test_deleting_the_newest_entry_is_not_detectable(app, db_url, five_entries):
    # The documented limit of a chain alone: the shorter log is still a valid chain.
    await execute(app, "DELETE FROM audit_entries WHERE id = :id", id=five_entries[-1])
    code, output = await run_verify(db_url)
    assert (code, output.strip()) == (0, "audit log intact: 4 entries")


async def test_unmigrated_database_is_a_clear_error(db_url):
    code, output = await run_verify(db_url)
    assert code == 2
    assert "cannot read the audit log" in output and "sshgate migrate" in output


async def test_verify_walks_batch_boundaries(app):
    async with app.app_context():
        for seq in range(7):
            await emit(Ping(seq=seq), app)
    db = app.extensions["sshgate"].db
    assert (await chain.verify(db, batch=3)).entries == 7
    await execute(app, "UPDATE audit_entries SET actor = 'x' WHERE id = 7")
    verdict = await chain.verify(db, batch=3)
    assert (verdict.intact, verdict.broken_id, verdict.entries) == (False, 7, 6)


async def test_concurrent_emits_do_not_fork_the_chain(app, db_url, admin_client):
    async with app.app_context():
        await asyncio.gather(*(emit(Ping(seq=seq), app) for seq in range(20)))
    entries = (await search(admin_client, action="test.ping", limit=500))["entries"]
    assert sorted(e["details"]["seq"] for e in entries) == list(range(20))
    assert len({e["prev_hash"] for e in entries}) == 20
    code, output = await run_verify(db_url)
    assert (code, output.strip()) == (0, "audit log intact: 21 entries")  # + the admin login


async def test_two_workers_appending_at_once_keep_one_chain(app, db_url, sshgate_settings):
    """Two apps on one database stand in for two workers: each has its own in-process lock,
    so only the database-level serialisation keeps the chain from forking."""
    other = create_app(sshgate_settings, load_entrypoints=False, environ={})
    async with other.test_app():

        async def burst(target, first):
            async with target.app_context():
                await asyncio.gather(*(emit(Ping(seq=first + i), target) for i in range(10)))

        await asyncio.gather(burst(app, 0), burst(other, 100))
    code, output = await run_verify(db_url)
    assert (code, output.strip()) == (0, "audit log intact: 20 entries")
