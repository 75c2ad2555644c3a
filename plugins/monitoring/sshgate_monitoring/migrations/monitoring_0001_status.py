"""Monitoring plugin: probe status per server, and each worker's metrics.

Revision ID: monitoring_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "monitoring_0001"
down_revision = None
branch_labels = ("monitoring",)
depends_on = "core_0004"  # servers, for the foreign key


def upgrade() -> None:
    op.create_table(
        "monitoring_status",
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("full_check", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("server_id", name="pk_monitoring_status"),
        sa.ForeignKeyConstraint(
            ["server_id"],
            ["servers.id"],
            name="fk_monitoring_status_server_id_servers",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "monitoring_worker_metrics",
        sa.Column("instance_id", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("samples", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("instance_id", name="pk_monitoring_worker_metrics"),
    )
    op.create_index(
        "ix_monitoring_worker_metrics_updated_at", "monitoring_worker_metrics", ["updated_at"]
    )


def downgrade() -> None:
    op.drop_table("monitoring_worker_metrics")
    op.drop_table("monitoring_status")
