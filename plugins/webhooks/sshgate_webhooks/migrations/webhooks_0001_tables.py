"""Webhooks plugin: webhooks, the outbox and the delivery log.

Revision ID: webhooks_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "webhooks_0001"
down_revision = None
branch_labels = ("webhooks",)
depends_on = None


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "webhooks_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=True),
        sa.Column("header_names", sa.JSON(), nullable=False),
        sa.Column("dropped", sa.BigInteger(), nullable=False),
        sa.Column("overflowing", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhooks_endpoints"),
    )
    op.create_table(
        "webhooks_outbox",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(32), nullable=False),
        sa.Column("event", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("attempt_limit", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", when, nullable=False),
        sa.Column("claim", sa.String(32), nullable=True),
        sa.Column("claimed_until", when, nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("finished_at", when, nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("last_latency_ms", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_webhooks_outbox"),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhooks_endpoints.id"],
            name="fk_webhooks_outbox_endpoint_id_webhooks_endpoints",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_webhooks_outbox_endpoint_id", "webhooks_outbox", ["endpoint_id"])
    # The worker's question: which rows are due, oldest first.
    op.create_index(
        "ix_webhooks_outbox_status_next_attempt_at",
        "webhooks_outbox",
        ["status", "next_attempt_at"],
    )
    op.create_table(
        "webhooks_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(32), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("started_at", when, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("retry_at", when, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_webhooks_deliveries"),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["webhooks_outbox.id"],
            name="fk_webhooks_deliveries_message_id_webhooks_outbox",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhooks_endpoints.id"],
            name="fk_webhooks_deliveries_endpoint_id_webhooks_endpoints",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_webhooks_deliveries_message_id", "webhooks_deliveries", ["message_id"])
    op.create_index("ix_webhooks_deliveries_endpoint_id", "webhooks_deliveries", ["endpoint_id"])


def downgrade() -> None:
    op.drop_table("webhooks_deliveries")
    op.drop_table("webhooks_outbox")
    op.drop_table("webhooks_endpoints")
