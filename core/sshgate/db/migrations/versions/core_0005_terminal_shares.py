"""Terminal share links.

Revision ID: core_0005
Revises: core_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sshgate.db.types import UTCDateTime

revision = "core_0005"
down_revision = "core_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "terminal_shares",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(2), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_terminal_shares"),
        sa.UniqueConstraint("token_hash", name="uq_terminal_shares_token_hash"),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name="fk_terminal_shares_created_by_users",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_terminal_shares_session_id", "terminal_shares", ["session_id"])


def downgrade() -> None:
    op.drop_table("terminal_shares")
