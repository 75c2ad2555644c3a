"""Start of the core branch; later core revisions build on it.

Revision ID: core_0001
Revises:
"""

from __future__ import annotations

revision = "core_0001"
down_revision = None
branch_labels = ("sshgate",)
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
