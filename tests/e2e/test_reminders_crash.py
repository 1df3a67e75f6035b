"""`secretariat run` killed with SIGKILL between two due reminders and restarted: every
reminder arrives exactly once (the database, not the process, holds what is owed)."""

from __future__ import annotations

import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.localslack import LocalSlack
from storage.db import SessionFactory, make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import Body, Meeting, Reminder, RosterEntry
from tests.e2e.conftest import BotProcess
from tests.harness import C_MAIN, U_SEC

pytestmark = pytest.mark.e2e

SPACING = 3.0  # seconds between two reminders' due times
COUNT = 4


def _posted(slack: LocalSlack) -> list[str]:
    return [
        str(m.metadata["event_payload"]["key"])
        for m in slack.messages(channel=C_MAIN)
        if m.metadata and m.metadata.get("event_type") == "secretariat_reminder"
    ]


def test_killed_between_two_reminders_every_reminder_arrives_once(
    e2e_slack: LocalSlack, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'reminders.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    start = now + timedelta(days=2)
    with factory.begin() as s:
        body = Body(name="行政情報化推進本部", channel_id=C_MAIN, created_by=U_SEC, created_at=now)
        s.add(body)
        s.flush()
        s.add(RosterEntry(body_id=body.id, user_id=U_SEC, role="secretariat"))
        meeting = Meeting(
            body_id=body.id,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            fiscal_year=start.year if start.month >= 4 else start.year - 1,
            status="scheduled",
            created_by=U_SEC,
            created_at=now,
        )
        s.add(meeting)
        s.flush()
        first_due = now + timedelta(seconds=3)
        keys = [f"meeting:{meeting.id}:e2e:{i}" for i in range(COUNT)]
        for i, key in enumerate(keys):
            due = first_due + timedelta(seconds=SPACING * i)
            s.add(
                Reminder(
                    key=key,
                    kind="agenda_preview",
                    target=C_MAIN,
                    due_at=due,
                    next_attempt_at=due,
                    state="pending",
                    meeting_id=meeting.id,
                    payload={"basis": start.isoformat()},
                    created_at=now,
                )
            )
    bot = BotProcess(e2e_slack, url, tmp_path, SECRETARIAT_DISPATCH_INTERVAL="0.2")
    bot.start()
    try:
        # The first reminder goes out and is recorded; the second is not due yet: kill.
        e2e_slack.wait_for(lambda: keys[0] in _posted(e2e_slack), timeout=20)
        deadline = time.monotonic() + 10
        while _state(factory, keys[0]) != "sent":
            assert time.monotonic() < deadline, "the first reminder was never recorded as sent"
            time.sleep(0.05)
        assert keys[1] not in _posted(e2e_slack)
        bot.kill(signal.SIGKILL)
        # Down past the second one's due time, then back.
        second_due = first_due + timedelta(seconds=SPACING)
        time.sleep(max(0.0, (second_due - datetime.now(UTC)).total_seconds()) + 0.5)
        bot.start()
        e2e_slack.wait_for(lambda: set(keys) <= set(_posted(e2e_slack)), timeout=30)
        time.sleep(1.0)  # several more dispatcher passes: nothing may come twice
    finally:
        bot.kill(signal.SIGTERM)
    counts = Counter(_posted(e2e_slack))
    assert counts == Counter(keys), counts
    with factory() as s:
        states = s.scalars(select(Reminder.state).where(Reminder.key.in_(keys))).all()
    assert set(states) == {"sent"}
    engine.dispose()


def _state(factory: SessionFactory, key: str) -> str | None:
    with factory() as s:
        return s.scalar(select(Reminder.state).where(Reminder.key == key))
