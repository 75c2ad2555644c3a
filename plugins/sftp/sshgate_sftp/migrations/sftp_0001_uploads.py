"""SFTP plugin: resumable upload sessions.

Revision ID: sftp_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "sftp_0001"
down_revision = None
branch_labels = ("sftp",)
# users (core_0002) and servers (core_0004) must exist for the foreign keys.
depends_on = "core_0004"


def upgrade() -> None:
    op.create_table(
        "sftp_uploads",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("part_path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("overwrite", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sftp_uploads"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_sftp_uploads_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["server_id"],
            ["servers.id"],
            name="fk_sftp_uploads_server_id_servers",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_sftp_uploads_user_id", "sftp_uploads", ["user_id"])
    op.create_index("ix_sftp_uploads_server_id", "sftp_uploads", ["server_id"])


def downgrade() -> None:
    op.drop_table("sftp_uploads")
