"""``sshgate rotate-key``: re-encrypt every stored secret from an old secret key to a new one.

All or nothing: if any secret cannot be read with the old key, nothing is changed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import click
from sqlalchemy import select

from ..contract import EncryptedColumn
from ..crypto import SecretBox, SecretUnreadable
from ..errors import StartupError
from ..settings import MIN_SECRET_KEY_LENGTH


class _Unreadable(Exception):
    pass


async def rotate_secrets(db: Any, old: str, new: str, columns: list[EncryptedColumn]) -> int:
    """Re-encrypt every column registered through ``register_encrypted_columns`` (the core's
    and every plugin's) in one transaction; returns how many secrets were rewritten."""
    count, problems = 0, []
    try:
        async with db.session() as session:
            for spec in columns:
                box = SecretBox([new, old], spec.purpose)
                for row in (await session.scalars(select(spec.model))).all():
                    value = getattr(row, spec.column)
                    if not value:
                        continue
                    try:
                        setattr(row, spec.column, box.rotate(value))
                        count += 1
                    except SecretUnreadable:
                        label = getattr(row, spec.label, "?")
                        problems.append(f"{spec.model.__tablename__} {label!r} ({spec.column})")
            if problems:
                raise _Unreadable
    except _Unreadable:
        raise StartupError(
            f"{len(problems)} secret(s) unreadable with the old key, nothing changed: "
            + ", ".join(problems[:10])
        ) from None
    return count


@click.command("rotate-key")
@click.option("--old", prompt=True, hide_input=True, help="The current SSHGATE_SECRET_KEY.")
@click.option(
    "--new",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The new secret key (32+ characters).",
)
def rotate_key(old: str, new: str) -> None:
    """Re-encrypt stored secrets with a new secret key, then set SSHGATE_SECRET_KEY to it.

    Logins signed with the old key end; users sign in again.
    """
    from ..app import app_for_command
    from ..gate import get_gate

    if len(new) < MIN_SECRET_KEY_LENGTH:
        raise StartupError(f"the new key must have at least {MIN_SECRET_KEY_LENGTH} characters")
    if new == old:
        raise StartupError("the new key equals the old one")
    gate = get_gate(app_for_command())

    async def run() -> int:
        try:
            await gate.db.check_reachable()
            columns = gate.plugins.collect("register_encrypted_columns")
            return await rotate_secrets(gate.db, old, new, columns)
        finally:
            await gate.db.dispose()

    count = asyncio.run(run())
    click.echo(f"re-encrypted {count} secret(s); now set SSHGATE_SECRET_KEY to the new key")
