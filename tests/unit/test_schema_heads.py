"""Start-up skips Alembic when the schema is current: that shortcut must know the real heads
and must never skip a database that is behind."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from storage.migrate import SCHEMA_HEADS, alembic_config, applied_revisions, upgrade


def test_schema_heads_are_alembics_heads() -> None:
    # A new migration must update SCHEMA_HEADS, or start-up would never apply it.
    assert set(ScriptDirectory.from_config(alembic_config()).get_heads()) == SCHEMA_HEADS


def test_a_database_one_migration_behind_is_brought_forward(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'behind.sqlite3'}")
    upgrade(engine)
    with engine.connect() as conn:
        assert applied_revisions(conn) == SCHEMA_HEADS
    head = ScriptDirectory.from_config(alembic_config()).get_revision(min(SCHEMA_HEADS))
    assert head is not None and isinstance(head.down_revision, str)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, head.down_revision)
    with engine.connect() as conn:
        assert applied_revisions(conn) == {head.down_revision}

    upgrade(engine)

    with engine.connect() as conn:
        assert applied_revisions(conn) == SCHEMA_HEADS
    engine.dispose()
