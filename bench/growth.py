"""Growth: one dispatcher tick with 1,000 and with 1,000,000 future reminders stored.

The work of a tick should grow with what is due, not with what is stored. Each tick is one
``bot.reminders.dispatcher.dispatch_due`` call (what the scheduler runs every
SECRETARIAT_DISPATCH_INTERVAL seconds), timed with nothing due and with a few reminders due
(posted to the fake Slack), after the future ones were loaded in bulk.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench import seed
from bench.infra import BOT_TOKEN, Settings, analyze, bench_config, bulk_insert, database
from bench.report import Row, Table, ms, verdict
from bot.clock import SystemClock
from bot.deps import Deps
from bot.localslack import LocalSlack
from bot.reminders import kinds
from bot.reminders.dispatcher import dispatch_due
from storage.db import make_session_factory
from storage.models import Reminder

TARGET = 1.5
DUE_PER_TICK = 20


@dataclass(frozen=True)
class GrowthSize:
    small: int
    large: int
    ticks: int


FULL = GrowthSize(1_000, 1_000_000, 7)
QUICK = GrowthSize(100, 10_000, 3)


def future_rows(count: int, now: datetime, first_id: int) -> list[dict[str, object]]:
    """Decision reminders to people, due over the next two years (a random moment each)."""
    rng = random.Random(count)
    return [
        {
            "id": first_id + n,
            "key": f"decision:{first_id + n}:due:future",
            "kind": kinds.DECISION_DUE,
            "target": f"U{rng.randrange(10**6):06d}",
            "due_at": (due := now + timedelta(seconds=rng.randrange(3600, 2 * 365 * 86400))),
            "next_attempt_at": due,
            "state": kinds.PENDING,
            "meeting_id": None,
            "decision_id": None,
            "payload": {"basis": "2028-01-01"},
            "attempts": 0,
            "in_doubt": False,
            "created_at": now,
        }
        for n in range(count)
    ]


def run(settings: Settings, size: GrowthSize | None = None) -> Table:
    size = size or (QUICK if settings.quick else FULL)
    table = Table(
        f"Growth: one dispatcher tick, {size.small:,} vs {size.large:,} future reminders stored"
    )
    for backend in settings.backends():
        small = _ticks(settings, backend, size.small, size.ticks, table)
        large = _ticks(settings, backend, size.large, size.ticks, table)
        for what in ("nothing due", f"{DUE_PER_TICK} due"):
            figure, baseline = large[what], small[what]
            table.add(
                Row(f"{backend}: tick, {what}", f"{ms(figure)} ({size.large:,} stored)",
                    f"{ms(baseline)} ({size.small:,} stored)", figure / baseline,
                    f"< {TARGET:g}×", verdict(figure < TARGET * baseline))
            )  # fmt: skip
    table.note(
        f"median of {size.ticks} ticks; each '{DUE_PER_TICK} due' tick posts {DUE_PER_TICK} "
        "meeting reminders (rendered from the database) to the fake Slack"
    )
    table.note("PostgreSQL is ANALYZEd after the bulk load (as autovacuum would); SQLite is not")
    return table


def _ticks(
    settings: Settings, backend: str, stored: int, ticks: int, table: Table
) -> dict[str, float]:
    now = datetime.now(UTC)
    with LocalSlack(token=BOT_TOKEN) as slack, database(settings, backend) as db:
        bodies = seed.add_bodies(db.engine, 1, now)
        slack.add_channel(bodies[0][1], "growth", "public")
        meetings = seed.add_meetings(
            db.engine, bodies, DUE_PER_TICK * ticks, now + timedelta(days=3), now
        )
        started = time.perf_counter()
        bulk_insert(db.engine, Reminder.__table__, future_rows(stored, now, 1))  # type: ignore[arg-type]
        loaded = time.perf_counter() - started
        if backend == "postgresql":
            analyze(db.engine)
        table.note(f"{backend}: {stored:,} future reminders loaded in {loaded:.1f} s")
        deps = Deps(
            config=bench_config(db.url, SECRETARIAT_WORK_HOURS="0-24"),
            session_factory=make_session_factory(db.engine),
            clock=SystemClock(),
        )
        client = slack.client()
        dispatch_due(deps, client)  # warm: imports, templates, connections
        idle: list[float] = []
        busy: list[float] = []
        next_id = stored + 1
        channel = bodies[0][1]
        for k in range(ticks):
            began = time.perf_counter()
            report = dispatch_due(deps, client)
            idle.append(time.perf_counter() - began)
            assert report.sent == 0, report
            batch = meetings[k * DUE_PER_TICK : (k + 1) * DUE_PER_TICK]
            rows = seed.meeting_reminder_rows(
                [(m, b, s, channel) for m, b, s in batch],
                datetime.now(UTC) - timedelta(seconds=1),
                now,
                next_id,
            )
            next_id += seed.add_reminders(db.engine, rows)
            began = time.perf_counter()
            report = dispatch_due(deps, client)
            busy.append(time.perf_counter() - began)
            if report.sent != DUE_PER_TICK:
                table.note(f"{backend}, {stored:,} stored: a tick sent {report.sent}: {report}")
    return {"nothing due": statistics.median(idle), f"{DUE_PER_TICK} due": statistics.median(busy)}
