"""minutes: each agenda item's message at the meeting's start, claimed and posted

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("start_claimed_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("start_posted_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
    # Meetings whose item messages went out before this revision: every item of theirs that
    # has a thread counts as posted, so a later /meeting start does not post it again.
    agenda_items = sa.table(
        "agenda_items",
        sa.column("meeting_id", sa.Integer()),
        sa.column("thread_ts", sa.String()),
        sa.column("start_posted_at", storage.models.UTCDateTime(timezone=True)),
    )
    meetings = sa.table(
        "meetings",
        sa.column("id", sa.Integer()),
        sa.column("items_posted_at", storage.models.UTCDateTime(timezone=True)),
    )
    posted_at = (
        sa.select(meetings.c.items_posted_at)
        .where(meetings.c.id == agenda_items.c.meeting_id)
        .scalar_subquery()
    )
    op.execute(
        agenda_items.update()
        .where(agenda_items.c.thread_ts.is_not(None), posted_at.is_not(None))
        .values(start_posted_at=posted_at)
    )


def downgrade() -> None:
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_column("start_posted_at")
        batch_op.drop_column("start_claimed_at")
