"""Sign-ins in flight at rest: the PKCE verifier is stored encrypted, only for the hash of
its state, and ``sshgate rotate-key`` re-encrypts it with the others. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import subprocess
import sys
from importlib.metadata import entry_points

from conftest import query_of, start_flow
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from sshgate.api import SecretBox
from sshgate.testing.fixtures import TEST_SECRET_KEY

NEW_KEY = "rotated-secret-key-" + "n" * 32
PURPOSE = "oidc.pending"


async def stored(db_url: str) -> list[tuple[str, str, str]]:
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT state_hash, nonce, verifier FROM oidc_pending"))
            return [tuple(row) for row in rows]
    finally:
        await engine.dispose()


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def rotate_key(db_url: str) -> subprocess.CompletedProcess[str]:
    # The core's columns and ours: other installed plugins test their own.
    others = sorted(e.name for e in entry_points(group="sshgate") if e.name != "oidc")
    return subprocess.run(
        [sys.executable, "-m", "sshgate", "rotate-key", "--old", TEST_SECRET_KEY, "--new", NEW_KEY],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "SSHGATE_DB_URL": db_url,
            "SSHGATE_SECRET_KEY": TEST_SECRET_KEY,
            "SSHGATE_DISABLE_PLUGINS": ",".join(others),
        },
        timeout=120,
        check=False,
    )


async def test_the_verifier_is_encrypted_at_rest_and_rotates_with_the_key(client, db_url):
    query = query_of(await start_flow(client))
    [(state_hash, nonce, sealed)] = await stored(db_url)
    assert state_hash == hashlib.sha256(query["state"].encode()).hexdigest()
    assert query["state"] not in state_hash and nonce == query["nonce"]
    verifier = SecretBox([TEST_SECRET_KEY], PURPOSE).decrypt(sealed)
    assert verifier not in sealed and challenge_of(verifier) == query["code_challenge"]

    result = await asyncio.to_thread(rotate_key, db_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "re-encrypted 1 secret(s)" in result.stdout
    [(_, _, resealed)] = await stored(db_url)
    assert resealed != sealed
    assert SecretBox([NEW_KEY], PURPOSE).decrypt(resealed) == verifier
