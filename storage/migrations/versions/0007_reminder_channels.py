"""reminder channels: each conversation's next free moment, shared by the dispatchers

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminder_channels",
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("free_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("held_by", sa.String(length=80), nullable=True),
        sa.Column("held_until", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("channel"),
    )


def downgrade() -> None:
    op.drop_table("reminder_channels")
