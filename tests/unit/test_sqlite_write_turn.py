"""SQLite writers of one process take turns (storage/db.py); readers never wait for them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from storage.db import background_writes, make_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.sqlite3'}", connect_args={"timeout": 5})
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    yield engine
    engine.dispose()


def in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """Run ``work`` on a thread; its result (or exception) lands in the returned list."""
    out: list[object] = []

    def run() -> None:
        try:
            out.append(work())
        except Exception as exc:
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM notes")).scalar_one())


def insert(engine: Engine, note_id: int) -> int:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO notes (id, body) VALUES (:i, 'x')"), {"i": note_id})
    return note_id


def test_a_reader_does_not_wait_for_an_open_write(engine: Engine) -> None:
    insert(engine, 1)
    with engine.begin() as writer:
        writer.execute(text("INSERT INTO notes (id, body) VALUES (2, 'open')"))
        reader, seen = in_thread(lambda: count(engine))
        reader.join(timeout=5)
        assert seen == [1]  # read while the write is still open, without the uncommitted row
    assert count(engine) == 2


def test_a_second_writer_waits_for_the_first_to_commit(engine: Engine) -> None:
    with engine.begin() as first:
        first.execute(text("INSERT INTO notes (id, body) VALUES (1, 'first')"))
        second, done = in_thread(lambda: insert(engine, 2))
        second.join(timeout=0.3)
        assert second.is_alive() and done == []  # queued behind the open write
    second.join(timeout=5)
    assert done == [2]
    assert count(engine) == 2


def test_a_failed_write_gives_the_turn_back(engine: Engine) -> None:
    insert(engine, 1)
    with pytest.raises(IntegrityError):
        insert(engine, 1)
    writer, done = in_thread(lambda: insert(engine, 2))
    writer.join(timeout=5)
    assert done == [2]


def test_a_write_nested_in_another_on_one_thread_fails_instead_of_hanging(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested.sqlite3'}", connect_args={"timeout": 0.2})
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    with engine.begin() as outer:
        outer.execute(text("INSERT INTO notes (id, body) VALUES (1, 'outer')"))
        with pytest.raises(OperationalError):
            insert(engine, 2)
    assert count(engine) == 1
    engine.dispose()


def test_a_waiting_foreground_writer_goes_before_a_background_one(engine: Engine) -> None:
    order: list[str] = []

    def write(note_id: int, name: str, background: bool) -> None:
        if background:
            with background_writes():
                insert(engine, note_id)
        else:
            insert(engine, note_id)
        order.append(name)

    with engine.begin() as first:
        first.execute(text("INSERT INTO notes (id, body) VALUES (1, 'first')"))
        posting, _ = in_thread(lambda: write(2, "after the ack", background=True))
        posting.join(timeout=0.1)  # queued first
        acking, _ = in_thread(lambda: write(3, "before the ack", background=False))
        acking.join(timeout=0.1)
    for thread in (posting, acking):
        thread.join(timeout=5)
    assert order == ["before the ack", "after the ack"]
