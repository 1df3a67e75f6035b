"""search terms: each row's agenda item and field weight; undecided items marked

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As bot/search/index.py writes them (kept here: a migration must not change with the code).
_WEIGHTS = {"title": 10, "decision": 9, "summary": 7, "note": 5}
_UNDECIDED = "u:"


def upgrade() -> None:
    # A search from a public channel leaves out private items: found by this index, not by
    # reading every item.
    op.create_index("ix_agenda_items_private", "agenda_items", ["private"])
    with op.batch_alter_table("search_terms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("item_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("weight", sa.SmallInteger(), nullable=True))
    weight = " ".join(f"WHEN '{kind}' THEN {w}" for kind, w in _WEIGHTS.items())
    op.execute(
        "UPDATE search_terms SET item_id = CASE doc_kind"
        " WHEN 'decision' THEN (SELECT agenda_item_id FROM decisions"
        " WHERE decisions.id = search_terms.doc_id)"
        " WHEN 'note' THEN (SELECT agenda_item_id FROM notes WHERE notes.id = search_terms.doc_id)"
        f" ELSE doc_id END, weight = CASE doc_kind {weight} ELSE 0 END"
    )
    # Rows of a record that no longer exists found nothing before either.
    op.execute("DELETE FROM search_terms WHERE item_id IS NULL")
    op.execute(
        "INSERT INTO search_terms (token, item_id, weight, doc_kind, doc_id)"
        f" SELECT '{_UNDECIDED}', id, 0, 'item', id FROM agenda_items WHERE NOT EXISTS"
        " (SELECT 1 FROM decisions WHERE decisions.agenda_item_id = agenda_items.id"
        " AND decisions.superseded_by_id IS NULL)"
    )
    key = ["token", "item_id", "weight", "doc_kind", "doc_id"]
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot change a primary key: batch mode copies the rows into this table.
        with op.batch_alter_table("search_terms", copy_from=_table(key), recreate="always"):
            pass
        return
    op.alter_column("search_terms", "item_id", existing_type=sa.Integer(), nullable=False)
    op.alter_column("search_terms", "weight", existing_type=sa.SmallInteger(), nullable=False)
    op.drop_constraint("search_terms_pkey", "search_terms", type_="primary")
    op.create_primary_key("search_terms_pkey", "search_terms", key)


def _table(key: list[str], *, items: bool = True) -> sa.Table:
    """search_terms after this revision (``items``) or before it: SQLite's copy target."""
    columns: list[sa.Column[Any]] = [
        sa.Column("token", sa.String(length=80), nullable=False),
        sa.Column("doc_kind", sa.String(length=10), nullable=False),
        sa.Column("doc_id", sa.Integer(), autoincrement=False, nullable=False),
    ]
    if items:
        columns += [
            sa.Column("item_id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("weight", sa.SmallInteger(), autoincrement=False, nullable=False),
        ]
    return sa.Table(
        "search_terms",
        sa.MetaData(),
        *columns,
        sa.PrimaryKeyConstraint(*key),
        sa.Index("ix_search_terms_doc", "doc_kind", "doc_id"),
    )


def downgrade() -> None:
    op.drop_index("ix_agenda_items_private", table_name="agenda_items")
    op.execute(f"DELETE FROM search_terms WHERE token = '{_UNDECIDED}'")
    key = ["token", "doc_kind", "doc_id"]
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "search_terms", copy_from=_table(key, items=False), recreate="always"
        ):
            pass
        return
    op.drop_constraint("search_terms_pkey", "search_terms", type_="primary")
    op.create_primary_key("search_terms_pkey", "search_terms", key)
    op.drop_column("search_terms", "weight")
    op.drop_column("search_terms", "item_id")
