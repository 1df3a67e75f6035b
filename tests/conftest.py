"""Shared fixtures: a real database on SQLite and on PostgreSQL, a movable clock, deps.

Every test that asks for ``db`` (directly or through ``deps``) runs once per backend.
PostgreSQL comes from TEST_POSTGRES_URL (default: postgres on 127.0.0.1:5432, trust auth);
each xdist worker gets its own fresh database, dropped at the end. Under CI=true an
unreachable PostgreSQL fails the run; elsewhere those tests are skipped with the reason.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, text

from bot.clock import MovableClock
from bot.config import Config
from bot.deps import Deps
from storage.db import SessionFactory, make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import Base

# The reliability suite's figures (inputs tried, faults injected, records lost/doubled/leaked)
# are printed at the end of every run, CI's included.
pytest_plugins = ("tests.reliability.figures",)

TOKYO = ZoneInfo("Asia/Tokyo")
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
BACKENDS = ["sqlite", "postgresql"]
SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-token"


@dataclass(frozen=True)
class Database:
    backend: str
    url: str
    engine: Engine
    session_factory: SessionFactory


def _worker(request: pytest.FixtureRequest) -> str:
    return str(getattr(request.config, "workerinput", {}).get("workerid", "main"))


def _pg_admin_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG)


def _create_pg_database(worker: str) -> str:
    admin_url = _pg_admin_url()
    base, _, admin_db = admin_url.rpartition("/")
    name = f"secretariat_test_{os.getpid()}_{worker}".lower()
    admin = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return f"{base}/{name}"


def _drop_pg_database(url: str) -> None:
    name = url.rpartition("/")[2]
    admin = create_engine(
        _pg_admin_url().replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def _databases(request: pytest.FixtureRequest) -> Iterator[dict[str, Database | str]]:
    """One migrated database per backend for this worker (or the reason it is missing)."""
    made: dict[str, Database | str] = {}
    tmp = Path(tempfile.mkdtemp(prefix="secretariat-test-"))
    sqlite_url = f"sqlite:///{tmp / 'test.sqlite3'}"
    engine = make_engine(sqlite_url)
    upgrade(engine)
    made["sqlite"] = Database("sqlite", sqlite_url, engine, make_session_factory(engine))
    pg_url: str | None = None
    try:
        pg_url = _create_pg_database(_worker(request))
        pg_engine = make_engine(pg_url, pool_size=10, max_overflow=20)
        upgrade(pg_engine)
        made["postgresql"] = Database(
            "postgresql", pg_url, pg_engine, make_session_factory(pg_engine)
        )
    except Exception as exc:  # an unreachable server: skip locally, fail under CI
        made["postgresql"] = f"PostgreSQL not available ({type(exc).__name__}: {exc})"
    yield made
    for value in made.values():
        if isinstance(value, Database):
            value.engine.dispose()
    if pg_url:
        _drop_pg_database(pg_url)


def _wipe(database: Database) -> None:
    with database.engine.begin() as conn:
        if database.backend == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # No AUTOINCREMENT tables: ids restart at 1 once a table is empty.
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, _databases: dict[str, Database | str]) -> Iterator[Database]:
    """A migrated, empty database; the test runs once on SQLite and once on PostgreSQL."""
    value = _databases[request.param]
    if isinstance(value, str):
        if os.environ.get("CI") == "true":
            pytest.fail(value)
        pytest.skip(value)
    _wipe(value)
    yield value
    _wipe(value)


@pytest.fixture
def clock() -> MovableClock:
    """Monday 10 May 2027, 10:00 in Tokyo."""
    return MovableClock(datetime(2027, 5, 10, 10, 0, tzinfo=TOKYO))


@pytest.fixture
def config(db: Database) -> Config:
    return Config.from_env(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "DATABASE_URL": db.url,
            "SECRETARIAT_TZ": "Asia/Tokyo",
            "SECRETARIAT_LANG": "ja",
        }
    )


@pytest.fixture
def deps(config: Config, db: Database, clock: MovableClock) -> Deps:
    return Deps(config=config, session_factory=db.session_factory, clock=clock)


@pytest.fixture
def deps_en(deps: Deps) -> Deps:
    """The same workspace, answering in English."""
    return Deps(
        config=replace(deps.config, lang="en"),
        session_factory=deps.session_factory,
        clock=deps.clock,
    )


# The Slack-side fixtures (``slack``, ``harness``) live with the harness.
from tests.harness import harness, slack  # noqa: E402,F401
