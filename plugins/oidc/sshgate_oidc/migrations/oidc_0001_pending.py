"""OIDC plugin: sign-ins in flight (state, nonce, PKCE verifier).

Revision ID: oidc_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "oidc_0001"
down_revision = None
branch_labels = ("oidc",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oidc_pending",
        sa.Column("state_hash", sa.String(64), nullable=False),
        sa.Column("browser_hash", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("verifier", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state_hash", name="pk_oidc_pending"),
    )
    op.create_index("ix_oidc_pending_created_at", "oidc_pending", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_oidc_pending_created_at", table_name="oidc_pending")
    op.drop_table("oidc_pending")
