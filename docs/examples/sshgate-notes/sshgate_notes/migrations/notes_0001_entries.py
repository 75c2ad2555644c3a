"""notes: the notes table, on the plugin's own branch.

Revision ID: notes_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "notes_0001"
down_revision = None  # the first revision of the branch
branch_labels = ("notes",)
depends_on = "core_0004"  # users (core_0002) and servers (core_0004) for the foreign keys


def upgrade() -> None:
    op.create_table(
        "notes_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notes_entries"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_notes_entries_owner_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["server_id"],
            ["servers.id"],
            name="fk_notes_entries_server_id_servers",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_notes_entries_owner_id", "notes_entries", ["owner_id"])


def downgrade() -> None:
    op.drop_table("notes_entries")
