"""What every benchmark needs: throwaway databases, bulk loading, settings, the machine.

PostgreSQL databases are created per run (``secretariat_bench_<pid>_<n>``) on the server of
``--postgres`` and dropped afterwards; SQLite files live in a temporary directory.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Engine, Table, create_engine, insert, text

from bot.config import Config
from storage.db import make_engine
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
SIGNING_SECRET = "bench-signing-secret-0123456789"
BOT_TOKEN = "xoxb-localslack"
_names = itertools.count(1)


@dataclass(frozen=True)
class Settings:
    """How the benchmarks run: quick (smoke) or full, and where PostgreSQL is."""

    quick: bool
    postgres_url: str | None  # None: PostgreSQL figures are skipped
    workdir: Path

    def backends(self) -> list[str]:
        return ["sqlite", "postgresql"] if self.postgres_url else ["sqlite"]


@dataclass(frozen=True)
class Database:
    backend: str
    url: str
    engine: Engine


def _sa_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def postgres_reachable(admin_url: str) -> str | None:
    """None when the server answers, else why not."""
    engine = create_engine(_sa_url(admin_url))
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    finally:
        engine.dispose()
    return None


@contextmanager
def database(settings: Settings, backend: str, **engine_kwargs: Any) -> Iterator[Database]:
    """A fresh, migrated database of ``backend``, removed afterwards."""
    if backend == "sqlite":
        path = settings.workdir / f"bench_{next(_names)}.sqlite3"
        url = f"sqlite:///{path}"
        engine = make_engine(url, **engine_kwargs)
        try:
            upgrade(engine)
            yield Database(backend, url, engine)
        finally:
            engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    assert settings.postgres_url is not None
    admin_url = settings.postgres_url
    name = f"secretariat_bench_{os.getpid()}_{next(_names)}"
    admin = create_engine(_sa_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{admin_url.rpartition('/')[0]}/{name}"
    engine = make_engine(url, **engine_kwargs)
    try:
        upgrade(engine)
        yield Database(backend, url, engine)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bulk_insert(engine: Engine, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Load many rows fast: COPY on PostgreSQL, executemany in chunks on SQLite.

    Every row must have the same keys (ids included, so callers know them); columns left
    out take their scalar ORM default. Datetimes must be aware (UTC is stored).
    """
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    given = list(first)
    defaults = {
        c.name: getattr(c.default, "arg", None)
        for c in table.columns
        if c.name not in first and c.default is not None and c.default.is_scalar
    }
    columns = given + list(defaults)
    postgres = engine.dialect.name == "postgresql"

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        out = []
        for c in columns:
            v = row[c] if c in row else defaults[c]
            if postgres and isinstance(table.c[c].type, JSON):
                v = json.dumps(v, ensure_ascii=False)  # COPY takes JSON as text
            out.append(v)
        return tuple(out)

    all_rows = itertools.chain([first], iterator)
    count = 0
    if postgres:
        names = ", ".join(f'"{c}"' for c in columns)
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            copy_sql = f'COPY "{table.name}" ({names}) FROM STDIN'
            with cursor.copy(copy_sql) as copy:
                for row in all_rows:
                    copy.write_row(values(row))
                    count += 1
            if "id" in columns and table.c.id.autoincrement is not False:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f'(SELECT max(id) FROM "{table.name}"))'
                )
            raw.commit()
        finally:
            raw.close()
        return count
    statement = insert(table)
    with engine.begin() as conn:
        chunk: list[dict[str, Any]] = []
        for row in all_rows:
            chunk.append({c: (row[c] if c in row else defaults[c]) for c in columns})
            if len(chunk) >= 20_000:
                conn.execute(statement, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            conn.execute(statement, chunk)
            count += len(chunk)
    # Fold the load's write-ahead log into the database now, as a bot that has been running
    # for a while has, rather than during the first transactions measured after it.
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return count


def analyze(engine: Engine) -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would soon give them."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


def bench_config(url: str, **extra: str) -> Config:
    """The configuration of a bot under benchmark."""
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DATABASE_URL": url,
        "SECRETARIAT_TZ": "Asia/Tokyo",
        "SECRETARIAT_LANG": "ja",
        **extra,
    }
    return Config.from_env(env)


def machine(postgres_url: str | None) -> list[str]:
    """The machine's description, for RESULTS.md."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    pg = "not used"
    if postgres_url:
        engine = create_engine(_sa_url(postgres_url))
        try:
            with engine.connect() as conn:
                pg = str(conn.execute(text("SHOW server_version")).scalar())
        except Exception as exc:
            pg = f"unreachable ({type(exc).__name__})"
        finally:
            engine.dispose()
    return [
        f"CPUs (nproc): {os.cpu_count()}",
        f"CPU model: {cpu}",
        f"Memory: {memory}",
        f"OS: {platform.platform()}",
        f"Python: {platform.python_version()} ({platform.python_implementation()})",
        f"SQLite: {sqlite3.sqlite_version}",
        f"PostgreSQL: {pg}",
    ]


def make_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="secretariat-bench-"))


@dataclass
class Child:
    """A process started by a benchmark (a bot, a bare app, a reminder worker)."""

    process: subprocess.Popen[str]
    ready_line: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """Close its input (the worker's signal to stop), then terminate it."""
        if self.process.poll() is None:
            if self.process.stdin:
                with contextlib.suppress(OSError):
                    self.process.stdin.close()
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_child(
    args: Sequence[str],
    env: dict[str, str],
    log_path: Path,
    *,
    ready: str | None = "ready",
    timeout: float = 60.0,
) -> Child:
    """Start ``python args…`` with ``env`` added; wait for a line starting with ``ready``
    (unless ``ready`` is None)."""
    child = spawn_child(args, env, log_path)
    if ready is not None:
        wait_ready(child, ready, timeout)
    return child


def spawn_child(args: Sequence[str], env: dict[str, str], log_path: Path) -> Child:
    """Start ``python args…`` with ``env`` added, without waiting for it."""
    full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, *args],
            env=full_env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            cwd=str(ROOT),
        )
    return Child(process, "", log_path)


def wait_ready(child: Child, ready: str = "ready", timeout: float = 60.0) -> None:
    """Wait for the child's line starting with ``ready``; stop it and raise if none comes."""
    deadline = time.monotonic() + timeout
    assert child.process.stdout is not None
    while time.monotonic() < deadline:
        line = child.process.stdout.readline()
        if not line:
            break
        if line.startswith(ready):
            child.ready_line = line.strip()
            return
    child.stop()
    tail = child.log_path.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"{child.process.args!r} did not start:\n{tail}")


def wait_http(
    url: str, timeout: float = 60.0, process: subprocess.Popen[str] | None = None
) -> None:
    """Wait until ``url`` answers 200 (a server's /healthz)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")
