"""The test plugin's encrypted column (``register_encrypted_columns``), on its own branch.

Revision ID: testplugin_0002
Revises: testplugin_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "testplugin_0002"
down_revision = "testplugin_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "testplugin_secrets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("token", sa.String(2000), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("testplugin_secrets")
