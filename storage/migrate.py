"""Apply Alembic migrations: at start-up and from ``secretariat db upgrade``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine


def alembic_config(url: str | None = None) -> AlembicConfig:
    """An Alembic config that finds the migrations inside the installed package."""
    cfg = AlembicConfig()
    cfg.set_main_option(
        "script_location", str(Path(str(resources.files("storage"))) / "migrations")
    )
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the database behind ``engine`` to the newest schema (all branches)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several instances may start at once; one migrates, the others wait for it.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7226351)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
