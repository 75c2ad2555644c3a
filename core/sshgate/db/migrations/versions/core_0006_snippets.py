"""Command snippets.

Revision ID: core_0006
Revises: core_0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sshgate.db.types import UTCDateTime

revision = "core_0006"
down_revision = "core_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snippets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("confirm", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_snippets"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_snippets_owner_id_users", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("owner_id", "name", name="uq_snippets_owner_id_name"),
    )
    # NULL owners are distinct in the constraint above: shared names need their own index.
    op.create_index(
        "uq_snippets_shared_name",
        "snippets",
        ["name"],
        unique=True,
        sqlite_where=sa.text("owner_id IS NULL"),
        postgresql_where=sa.text("owner_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("snippets")
