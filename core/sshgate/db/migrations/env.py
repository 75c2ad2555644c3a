"""Alembic environment: migrations always run on a connection handed over by sshgate."""

from __future__ import annotations

from alembic import context

from sshgate.db.base import Model

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `sshgate migrate`, not the alembic command")

context.configure(
    connection=connection,
    target_metadata=Model.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    # One transaction for every revision: a failure applies none of them.
    transaction_per_migration=False,
    # SQLite does roll back DDL; the engine issues a real BEGIN (see sshgate.db.engine).
    transactional_ddl=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
