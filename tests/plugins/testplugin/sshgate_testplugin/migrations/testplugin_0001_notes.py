"""The test plugin's notes table, on its own branch.

Revision ID: testplugin_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "testplugin_0001"
down_revision = None
branch_labels = ("testplugin",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "testplugin_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("text", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("testplugin_notes")
