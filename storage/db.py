"""Engine and sessions: SQLite (WAL, foreign keys) by default, PostgreSQL by URL."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SessionFactory = sessionmaker[Session]

BUSY_TIMEOUT_SECONDS = 30


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings each backend needs to be safe under concurrency."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        connect_args = kwargs.pop("connect_args", {})
        # Handlers run on bolt's thread pool; each thread checks out its own connection.
        connect_args.setdefault("check_same_thread", False)
        connect_args.setdefault("timeout", BUSY_TIMEOUT_SECONDS)
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            connect_args.setdefault("factory", QueuedWriterConnection)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


# --- SQLite writers take turns in the process ------------------------------------------------
#
# SQLite lets one transaction write at a time. A writer that finds the lock taken waits in
# SQLite's busy handler, which sleeps (1, 2, 5 … up to 100 ms) and tries again: with many
# requests writing at once, some sleep far longer than the writes they wait for (bench: ack).
# Writers of one process therefore queue on a turn of their own, taken when a transaction
# starts writing and given back when it ends, so each starts the moment the previous one
# commits. Reads take no turn (WAL readers never wait), and another process's writer is
# still waited for by the busy handler.
#
# Work that nobody is waiting for (posting after an ack) writes in the background: it lets
# the writers a user waits for go first, for a while, so that acknowledgements do not queue
# behind it.

BACKGROUND_PATIENCE = 0.25  # seconds a background writer lets others go first, at most


class _WriteTurn:
    """The turn to write to one database file, shared by all of its connections."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.taken = False
        self.holder_thread: int | None = None
        self.foreground_waiting = 0

    def take(self, timeout: float, *, background: bool) -> bool:
        now = time.monotonic()
        deadline, patience = now + timeout, now + BACKGROUND_PATIENCE
        with self.changed:
            if not background:
                self.foreground_waiting += 1
            try:
                while self.taken or (
                    background and self.foreground_waiting and time.monotonic() < patience
                ):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    wake = min(left, patience - time.monotonic()) if background else left
                    self.changed.wait(max(wake, 0.001))
                self.taken, self.holder_thread = True, threading.get_ident()
                return True
            finally:
                if not background:
                    self.foreground_waiting -= 1

    def give_back(self) -> None:
        with self.changed:
            self.taken, self.holder_thread = False, None
            self.changed.notify_all()


_turns: dict[str, _WriteTurn] = {}
_turns_lock = threading.Lock()
_background = threading.local()


def _turn_for(database: str) -> _WriteTurn:
    key = str(Path(database).resolve())
    with _turns_lock:
        return _turns.setdefault(key, _WriteTurn())


@contextmanager
def background_writes() -> Iterator[None]:
    """SQLite writes made by this thread inside the block let waiting foreground writers go
    first (for up to ``BACKGROUND_PATIENCE``); PostgreSQL is not affected."""
    _background.active = True
    try:
        yield
    finally:
        _background.active = False


# The statements before which Python's sqlite3 opens a transaction (its default, "legacy"
# transaction control): the transaction, and so SQLite's write lock, starts with the first
# write, which is when the turn is taken.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class _QueuedCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> _QueuedCursor:
        _take_turn(self.connection, sql)
        return super().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> _QueuedCursor:
        _take_turn(self.connection, sql)
        return super().executemany(sql, seq_of_parameters)


class QueuedWriterConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions wait for the process's turn to write."""

    def __init__(self, database: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self.turn = _turn_for(database)
        self.has_turn = False
        self.turn_timeout = float(kwargs.get("timeout", BUSY_TIMEOUT_SECONDS))

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or _QueuedCursor)

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Any:
        return self.cursor().executemany(sql, seq_of_parameters)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.give_back_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_back_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_back_turn()

    def give_back_turn(self) -> None:
        if self.has_turn:
            self.has_turn = False
            self.turn.give_back()


def _take_turn(conn: Any, sql: str) -> None:
    if not isinstance(conn, QueuedWriterConnection) or conn.has_turn or conn.in_transaction:
        return
    if conn.isolation_level is None:  # autocommit: no transaction would give the turn back
        return
    if not sql.lstrip()[:7].upper().startswith(_WRITES):
        return
    turn, me = conn.turn, threading.get_ident()
    if turn.holder_thread == me:
        # Another connection of this very thread is writing (a session opened inside
        # another): it cannot commit while this one waits, so waiting would only end in
        # SQLite's busy timeout. Fail now with the error that timeout would give.
        raise sqlite3.OperationalError("database is locked (a write inside another write)")
    if not turn.take(conn.turn_timeout, background=getattr(_background, "active", False)):
        raise sqlite3.OperationalError("database is locked")
    conn.has_turn = True


def make_session_factory(engine: Engine) -> SessionFactory:
    """Sessions that keep loaded values after commit, so services can return them."""
    return sessionmaker(engine, expire_on_commit=False)


def is_postgres(session_or_engine: Session | Engine) -> bool:
    """Whether the database behind ``session_or_engine`` is PostgreSQL."""
    bind = (
        session_or_engine.get_bind()
        if isinstance(session_or_engine, Session)
        else session_or_engine
    )
    return bind.dialect.name == "postgresql"
