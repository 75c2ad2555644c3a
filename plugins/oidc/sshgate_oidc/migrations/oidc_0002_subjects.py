"""OIDC plugin: the provider's ``sub`` bound to each account it signed in.

Revision ID: oidc_0002
Revises: oidc_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "oidc_0002"
down_revision = "oidc_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oidc_subjects",
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("issuer", "username", name="pk_oidc_subjects"),
    )
    op.create_index("ix_oidc_subjects_username", "oidc_subjects", ["username"])


def downgrade() -> None:
    op.drop_index("ix_oidc_subjects_username", table_name="oidc_subjects")
    op.drop_table("oidc_subjects")
