"""Reminders handled in batches: prepared together (a few reads for many reminders), numbered
together (第N回 in one statement), recorded as sent together (one transaction for many posts)
— each with the result the one-at-a-time way gives."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.deps import Deps
from bot.meetings import meeting_number, meeting_numbers
from bot.reminders import claims, records
from bot.reminders.content import FanOut, Outgoing, Perform, Skip, prepare, prepare_all
from bot.reminders.timing import ReminderPolicy
from storage.models import Meeting
from tests.unit.reminders_support import (
    add_item,
    add_material,
    decide,
    insert_due,
    jst,
    reminders,
    schedule,
)


def _comparable(action: object) -> object:
    # A Perform's work is a closure: its kind is what can be compared.
    return type(action).__name__ if isinstance(action, Perform) else action


def test_a_batch_is_prepared_as_each_reminder_alone_would_be(deps: Deps) -> None:
    first = schedule(deps, "2027-06-24")
    second = schedule(deps, "2027-06-25", "14:00", "15:00")
    item = add_item(deps, first, "次期電話システムの選定について")
    add_material(deps, item, "選定方針")
    add_item(deps, first, "人事案件", kind="report", private=True)
    add_item(deps, second, "行政手続きのオンライン化について")  # no material: a DM
    decide(deps, item, "2027-06-24", text="仕様書を作成する")
    # Down since before every one of them: all due at once, some superseded by later ones.
    deps.clock.set(jst("2027-06-25 10:00"))  # type: ignore[attr-defined]
    dues = claims.claim_due(
        deps.session_factory, deps.clock.now(), "w:1", 500, timedelta(minutes=2)
    )
    policy, now = ReminderPolicy.of(deps), deps.clock.now()
    with deps.session_factory() as session:
        together = prepare_all(session, dues, policy, "ja", now)
    alone = {}
    for due in dues:
        with deps.session_factory() as session:
            alone[due.id] = prepare(session, due, policy, "ja", now)
    assert {k: _comparable(v) for k, v in together.items()} == {
        k: _comparable(v) for k, v in alone.items()
    }
    kinds_seen = {type(a) for a in together.values()}
    assert {Outgoing, Skip, FanOut} <= kinds_seen
    texts = [a.text for a in together.values() if isinstance(a, Outgoing)]
    # The second meeting's own number, and the non-public item kept out of the channel.
    assert any("第2回" in t for t in texts) and not any("人事" in t for t in texts)
    reasons = {a.reason for a in together.values() if isinstance(a, Skip)}
    assert any(r.startswith("superseded by decision:") for r in reasons)


def test_meeting_numbers_in_one_statement_match_one_by_one(deps: Deps) -> None:
    ids = [
        schedule(deps, day, start, end)
        for day, start, end in [
            ("2027-06-24", "11:00", "12:00"),
            ("2027-06-10", "09:00", "10:00"),
            ("2027-06-17", "09:00", "10:00"),
            ("2028-04-10", "09:00", "10:00"),  # the next fiscal year: 第1回 again
        ]
    ]
    with deps.unit_of_work() as session:
        cancelled = session.get(Meeting, ids[2])
        assert cancelled is not None
        cancelled.status = "cancelled"
    with deps.session_factory() as session:
        meetings = list(session.scalars(select(Meeting).where(Meeting.id.in_(ids))))
        expected = {m.id: meeting_number(session, m) for m in meetings}
        assert meeting_numbers(session, meetings) == expected
    assert expected == {ids[0]: 2, ids[1]: 1, ids[2]: None, ids[3]: 1}


def test_posts_are_recorded_together_and_a_lost_claim_is_not_counted(deps: Deps) -> None:
    mid = schedule(deps, "2027-06-24")
    deps.clock.set(jst("2027-06-14 10:00"))  # type: ignore[attr-defined]
    keys = insert_due(deps, mid, 3, channels=["C0ONE", "C0TWO", "C0THREE"])
    now = deps.clock.now()
    dues = claims.claim_due(deps.session_factory, now, "w:1", 10, timedelta(minutes=2))
    # The first one's lease runs out and another dispatcher takes it over meanwhile.
    later = now + timedelta(minutes=3)
    (taken,) = claims.claim_due(deps.session_factory, later, "w:2", 1, timedelta(minutes=2))
    assert taken.id == dues[0].id and taken.in_doubt
    posted = [records.Posted(d, d.target, f"1.{n}", later) for n, d in enumerate(dues)]
    done = claims.exchange(deps.session_factory, later, "w:1", None, (), posted)
    assert sorted(p.due.key for p in done.recorded) == sorted(d.key for d in dues[1:])
    assert [p.due.key for p in done.lost] == [taken.key]
    rows = reminders(deps)
    assert [rows[d.key].state for d in dues] == ["claimed", "sent", "sent"]
    assert rows[dues[1].key].payload["ts"] == "1.1" and rows[dues[1].key].sent_at == later
    assert set(keys) == {d.key for d in dues}
