"""Bodies, meetings and reminders loaded in bulk, in the shapes the services write."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from bench.infra import bulk_insert
from bot.reminders import kinds
from bot.reminders.planning import ReminderSpec, reminder_row
from storage.models import Body, Meeting, Reminder

SECRETARIAT = "U0SEC"


def channel_id(n: int) -> str:
    return f"C0BENCH{n:05d}"


def add_bodies(engine: Engine, count: int, now: datetime) -> list[tuple[int, str]]:
    """``count`` bodies, each in its own channel; returns (body id, channel id) pairs."""
    rows = [
        {
            "id": i + 1,
            "name": f"ベンチ本部{i + 1:05d}",
            "channel_id": channel_id(i + 1),
            "secretariat_dept": "情報管理課",
            "created_by": SECRETARIAT,
            "created_at": now,
        }
        for i in range(count)
    ]
    bulk_insert(engine, Body.__table__, rows)  # type: ignore[arg-type]
    return [(i + 1, channel_id(i + 1)) for i in range(count)]


def add_meetings(
    engine: Engine,
    bodies: list[tuple[int, str]],
    per_body: int,
    first_start: datetime,
    now: datetime,
) -> list[tuple[int, int, datetime]]:
    """``per_body`` scheduled meetings a day apart for each body; (id, body id, start)."""
    made: list[tuple[int, int, datetime]] = []
    rows = []
    next_id = 1
    for body_id, _channel in bodies:
        for k in range(per_body):
            start = (first_start + timedelta(days=k)).astimezone(UTC).replace(microsecond=0)
            rows.append(
                {
                    "id": next_id,
                    "body_id": body_id,
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=1),
                    "fiscal_year": 2027,
                    "place": "庁議室",
                    "created_by": SECRETARIAT,
                    "created_at": now,
                }
            )
            made.append((next_id, body_id, start))
            next_id += 1
    bulk_insert(engine, Meeting.__table__, rows)  # type: ignore[arg-type]
    return made


def meeting_reminder_rows(
    meetings: list[tuple[int, int, datetime, str]], due_at: datetime, now: datetime, first_id: int
) -> Iterator[dict[str, object]]:
    """One "meeting starts soon" reminder per (meeting, body, start, channel), due at
    ``due_at``: the row ``bot.reminders.planning`` inserts for such a spec."""
    for n, (meeting_id, _body, start, channel) in enumerate(meetings):
        spec = ReminderSpec(
            kinds.meeting_key(meeting_id, f"offset:bench{first_id + n}"),
            kinds.MEETING_OFFSET,
            channel,
            due_at,
            start.isoformat(),
            meeting_id,
            None,
            {"offset": "1h"},
        )
        yield {"id": first_id + n, **reminder_row(spec, now)}


def add_reminders(engine: Engine, rows: Iterator[dict[str, object]]) -> int:
    return bulk_insert(engine, Reminder.__table__, rows)  # type: ignore[arg-type]
