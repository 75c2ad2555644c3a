"""Server registry: servers and pinned host keys.

Revision ID: core_0004
Revises: core_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sshgate.db.types import UTCDateTime

revision = "core_0004"
down_revision = "core_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "servers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("auth_method", sa.String(16), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("key_passphrase", sa.Text(), nullable=True),
        sa.Column("group_name", sa.String(64), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("jump_via_id", sa.Integer(), nullable=True),
        sa.Column("ssh_enabled", sa.Boolean(), nullable=False),
        sa.Column("sftp_enabled", sa.Boolean(), nullable=False),
        sa.Column("sftp_read_only", sa.Boolean(), nullable=False),
        sa.Column("sftp_allowed_paths", sa.JSON(), nullable=False),
        sa.Column("encoding", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("credentials_changed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_servers"),
        sa.UniqueConstraint("name", name="uq_servers_name"),
        sa.ForeignKeyConstraint(
            ["jump_via_id"],
            ["servers.id"],
            name="fk_servers_jump_via_id_servers",
            ondelete="RESTRICT",
        ),
    )
    op.create_index("ix_servers_group_name", "servers", ["group_name"])
    op.create_index("ix_servers_jump_via_id", "servers", ["jump_via_id"])
    op.create_table(
        "server_host_keys",
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("pinned_key", sa.Text(), nullable=True),
        sa.Column("pinned_fingerprint", sa.String(100), nullable=True),
        sa.Column("pinned_at", UTCDateTime(), nullable=True),
        sa.Column("pinned_by", sa.String(64), nullable=True),
        sa.Column("offered_key", sa.Text(), nullable=True),
        sa.Column("offered_fingerprint", sa.String(100), nullable=True),
        sa.Column("offered_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("server_id", name="pk_server_host_keys"),
        sa.ForeignKeyConstraint(
            ["server_id"],
            ["servers.id"],
            name="fk_server_host_keys_server_id_servers",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("server_host_keys")
    op.drop_table("servers")
