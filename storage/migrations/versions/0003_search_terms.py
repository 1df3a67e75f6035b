"""search index for decisions, agenda items and notes

Revision ID: 0003
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_terms",
        sa.Column(
            "token",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("doc_kind", sa.String(length=10), nullable=False),
        sa.Column("doc_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("token", "doc_kind", "doc_id"),
    )
    op.create_index("ix_search_terms_doc", "search_terms", ["doc_kind", "doc_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_search_terms_doc", table_name="search_terms")
    op.drop_table("search_terms")
