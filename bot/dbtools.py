"""`secretariat db upgrade` and `secretariat db backup`."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import Config
from storage.db import make_engine
from storage.migrate import upgrade


def upgrade_database(config: Config) -> int:
    """Apply every migration to DATABASE_URL."""
    engine = make_engine(config.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    print(f"database is up to date: {make_url(config.database_url).render_as_string()}")
    return 0


def backup(config: Config, target: str) -> int:
    """Copy a live SQLite database consistently (SQLite's online backup API).

    A plain file copy of a WAL database in use can miss committed pages; the backup API
    copies a consistent snapshot while the bot keeps running.
    """
    url = make_url(config.database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        print(
            "secretariat: db backup copies a SQLite database; for PostgreSQL use pg_dump.",
            file=sys.stderr,
        )
        return 2
    out = Path(target)
    if out.exists():
        print(f"secretariat: {out} exists; give a new file name.", file=sys.stderr)
        return 2
    source = sqlite3.connect(url.database)
    dest = sqlite3.connect(out)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()
    print(f"backed up {url.database} to {out}")
    return 0
