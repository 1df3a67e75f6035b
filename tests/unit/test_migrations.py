"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.migrate import alembic_config
from storage.models import Base
from tests.conftest import Database


def test_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, script.get_heads()


def test_models_match_migrated_schema(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def _migrate(db: Database, command_name: str, revision: str) -> None:
    from alembic import command

    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, command_name)(cfg, revision)


def test_search_rows_gain_their_item_and_weight(db: Database) -> None:
    """0006 fills in each index row's item and field weight from the records, and marks the
    items without a current decision; downgrading and upgrading again gives the same rows."""
    _migrate(db, "downgrade", "0005")
    at = "'2027-05-10 01:00:00'"
    statements = [
        f"INSERT INTO bodies (id, name, channel_id, disclosure, agenda_deadline,"
        f" materials_deadline, reminders, created_by, created_at)"
        f" VALUES (1, 'b', 'C1', 'public', '5bd', '2bd', '1bd', 'U1', {at})",
        f"INSERT INTO meetings (id, body_id, starts_at, ends_at, fiscal_year, status, disclosure,"
        f" minutes_disclosure, created_by, created_at)"
        f" VALUES (1, 1, {at}, {at}, 2027, 'held', 'public', 'public', 'U1', {at})",
        *(
            f"INSERT INTO agenda_items (id, meeting_id, kind, title, submitter_id, status,"
            f" private, late, created_at) VALUES ({i}, 1, 'proposal', 't', 'U1', 'accepted',"
            f" false, false, {at})"
            for i in (1, 2, 3)
        ),
        f"INSERT INTO decisions (id, agenda_item_id, outcome, status, decided_by, created_at)"
        f" VALUES (7, 2, 'approved', 'open', 'U1', {at})",
        f"INSERT INTO notes (id, agenda_item_id, text, author_id, deleted, created_at)"
        f" VALUES (9, 3, 'n', 'U1', false, {at})",
        "INSERT INTO search_terms (token, doc_kind, doc_id) VALUES ('g:ab', 'title', 1),"
        " ('g:ab', 'decision', 7), ('g:ab', 'note', 9), ('g:ab', 'decision', 8)",
    ]
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    _migrate(db, "upgrade", "0006")
    query = text(
        "SELECT token, item_id, weight, doc_kind, doc_id FROM search_terms ORDER BY 1, 2, 3, 4"
    )
    expected = [
        ("g:ab", 1, 10, "title", 1),
        ("g:ab", 2, 9, "decision", 7),
        ("g:ab", 3, 5, "note", 9),
        ("u:", 1, 0, "item", 1),
        ("u:", 3, 0, "item", 3),
    ]  # decision 8 does not exist: its row found nothing before either
    with db.engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(query)] == expected
    _migrate(db, "downgrade", "0005")
    _migrate(db, "upgrade", "0006")
    with db.engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(query)] == expected
    _migrate(db, "upgrade", "heads")
