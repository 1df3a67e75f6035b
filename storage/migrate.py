"""Apply Alembic migrations: at start-up and from ``secretariat db upgrade``.

Alembic is imported only when there is something to migrate: importing it costs about 10 MB
of resident memory for the life of the process, and almost every start finds the schema
already current (``SCHEMA_HEADS`` is checked against Alembic's own heads by the tests).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

# The newest revision of each branch in storage/migrations/versions.
SCHEMA_HEADS = frozenset({"0007"})


def alembic_config(url: str | None = None) -> AlembicConfig:
    """An Alembic config that finds the migrations inside the installed package."""
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option(
        "script_location", str(Path(str(resources.files("storage"))) / "migrations")
    )
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def applied_revisions(conn: Connection) -> frozenset[str]:
    """The revisions recorded in the database (none for a new database)."""
    if not inspect(conn).has_table("alembic_version"):
        return frozenset()
    return frozenset(
        str(v) for v in conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
    )


def upgrade(engine: Engine) -> None:
    """Bring the database behind ``engine`` to the newest schema (all branches)."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several instances may start at once; one migrates, the others wait for it.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7226351)")
        if applied_revisions(conn) == SCHEMA_HEADS:
            return
        from alembic import command

        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
