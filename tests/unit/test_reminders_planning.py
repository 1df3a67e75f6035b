"""Planning: which reminders a meeting or a decision gets, at what moment, and how moving,
cancelling, superseding and closing change them. Real database, both backends."""

from __future__ import annotations

from datetime import date

from bot.bodies import configure
from bot.deps import Deps
from bot.meetings import Schedule, cancel_meeting, get_meeting, move_meeting
from bot.reminders.planning import replan_body
from bot.reminders.timing import ReminderPolicy
from storage.models import Body
from tests.unit.reminders_support import (
    MAIN,
    MEMBER,
    SEC,
    add_item,
    body_id,
    close,
    decide,
    jst,
    open_due_times,
    reminders,
    schedule,
)


def test_a_meeting_gets_call_materials_check_agenda_and_offsets(deps: Deps) -> None:
    mid = schedule(deps, "2027-06-24")  # Thu; agenda deadline 5bd = Thu 6/17 11:00
    assert open_due_times(deps) == {
        # Two business days before the agenda deadline, at the start of the day.
        f"meeting:{mid}:agenda_call": jst("2027-06-15 09:00"),
        # One business day before the materials deadline (2bd = Tue 6/22 11:00).
        f"meeting:{mid}:materials_check": jst("2027-06-21 09:00"),
        # "1bd" of the default reminders=1bd,1h is the agenda the day before: one message.
        f"meeting:{mid}:agenda_preview": jst("2027-06-23 11:00"),
        f"meeting:{mid}:offset:1h": jst("2027-06-24 10:00"),
        # At the start time: the agenda items' messages, unless /meeting start posted them.
        f"meeting:{mid}:start": jst("2027-06-24 11:00"),
    }
    rows = reminders(deps)
    assert {r.target for r in rows.values()} == {MAIN}
    assert all(r.meeting_id == mid for r in rows.values())


def test_business_day_offsets_skip_a_public_holiday(deps: Deps) -> None:
    # Tue 2027-07-20; Mon 7/19 is 海の日 (Marine Day).
    mid = schedule(deps, "2027-07-20")
    due = open_due_times(deps)
    assert due[f"meeting:{mid}:agenda_preview"] == jst("2027-07-16 11:00")
    assert due[f"meeting:{mid}:materials_check"] == jst("2027-07-14 09:00")
    assert due[f"meeting:{mid}:agenda_call"] == jst("2027-07-08 09:00")


def test_business_day_offsets_skip_the_year_end_closure(deps: Deps) -> None:
    # Tue 2028-01-04, the first business day after 12/29–1/3.
    mid = schedule(deps, "2028-01-04", "10:00", "11:00")
    assert open_due_times(deps) == {
        f"meeting:{mid}:agenda_call": jst("2027-12-20 09:00"),
        f"meeting:{mid}:materials_check": jst("2027-12-24 09:00"),
        f"meeting:{mid}:agenda_preview": jst("2027-12-28 10:00"),
        f"meeting:{mid}:offset:1h": jst("2028-01-04 09:00"),
        f"meeting:{mid}:start": jst("2028-01-04 10:00"),
    }


def test_a_meeting_scheduled_late_gets_no_reminder_already_in_the_past(deps: Deps) -> None:
    deps.clock.set(jst("2027-06-22 15:00"))  # type: ignore[attr-defined]
    mid = schedule(deps, "2027-06-24")
    assert set(open_due_times(deps)) == {
        f"meeting:{mid}:agenda_preview",
        f"meeting:{mid}:offset:1h",
        f"meeting:{mid}:start",
    }


def test_moving_a_meeting_moves_its_reminders(deps: Deps) -> None:
    mid = schedule(deps, "2027-06-24")
    with deps.unit_of_work() as s:
        move_meeting(
            s,
            get_meeting(s, mid),
            Schedule(
                date(2027, 7, 1), jst("2027-07-01 14:00").time(), jst("2027-07-01 15:00").time()
            ),
            actor=SEC,
            now=deps.clock.now(),
            tz=deps.config.tz,
            fy_start_month=4,
            reminders=ReminderPolicy.of(deps),
        )
    due = open_due_times(deps)
    assert due[f"meeting:{mid}:agenda_preview"] == jst("2027-06-30 14:00")
    assert due[f"meeting:{mid}:offset:1h"] == jst("2027-07-01 13:00")
    assert due[f"meeting:{mid}:start"] == jst("2027-07-01 14:00")
    assert len(reminders(deps)) == 5  # moved, not added


def test_cancelling_a_meeting_drops_its_reminders(deps: Deps) -> None:
    mid = schedule(deps, "2027-06-24")
    with deps.unit_of_work() as s:
        cancel_meeting(s, get_meeting(s, mid), "都合により", actor=SEC, now=deps.clock.now())
    rows = reminders(deps)
    assert {r.state for r in rows.values()} == {"dropped"}
    assert {r.last_error for r in rows.values()} == {"meeting cancelled"}


def test_changing_the_body_reminders_replans_upcoming_meetings(deps: Deps) -> None:
    mid = schedule(deps, "2027-06-24")
    with deps.unit_of_work() as s:
        body = s.get(Body, body_id(deps))
        assert body is not None
        configure(s, body, {"reminders": "2h,30m"}, actor=SEC, now=deps.clock.now())
        assert replan_body(s, body, ReminderPolicy.of(deps), deps.clock.now()) == 1
    due = open_due_times(deps)
    assert due[f"meeting:{mid}:offset:2h"] == jst("2027-06-24 09:00")
    assert due[f"meeting:{mid}:offset:30m"] == jst("2027-06-24 10:30")
    assert reminders(deps)[f"meeting:{mid}:offset:1h"].state == "dropped"


def test_a_decision_is_reminded_before_on_and_after_its_due_date(deps: Deps) -> None:
    item = add_item(deps, schedule(deps, "2027-06-24"), "次期電話システムの選定について")
    did = decide(deps, item, "2027-12-29")  # a Wednesday in the year-end closure
    due = {k: v for k, v in open_due_times(deps).items() if k.startswith("decision:")}
    assert due == {
        # Three business days before (12/28, 12/27, 12/24).
        f"decision:{did}:before:2027-12-29": jst("2027-12-24 09:00"),
        # "On it": the due date is a closed day, so the last business day before it.
        f"decision:{did}:due:2027-12-29": jst("2027-12-28 09:00"),
        # Overdue: the first business day after the closure.
        f"decision:{did}:overdue:2028-01-04": jst("2028-01-04 09:00"),
    }
    rows = reminders(deps)
    assert rows[f"decision:{did}:due:2027-12-29"].target == MEMBER
    assert rows[f"decision:{did}:overdue:2028-01-04"].target == MAIN


def test_a_department_owned_decision_reminds_the_secretariat(deps: Deps) -> None:
    item = add_item(deps, schedule(deps, "2027-06-24"), "電話")
    did = decide(deps, item, "2027-07-09", owner=None, dept="総務課")
    assert reminders(deps)[f"decision:{did}:due:2027-07-09"].target == SEC.user_id


def test_a_decision_without_due_date_has_no_reminders(deps: Deps) -> None:
    item = add_item(deps, schedule(deps, "2027-06-24"), "電話")
    decide(deps, item, None, outcome="reexamine")
    assert not [k for k in reminders(deps) if k.startswith("decision:")]


def test_closing_or_superseding_a_decision_drops_its_reminders(deps: Deps) -> None:
    mid = schedule(deps, "2027-06-24")
    first = decide(deps, add_item(deps, mid, "一"), "2027-07-09")
    item = add_item(deps, mid, "二")
    old = decide(deps, item, "2027-07-09")
    new = decide(deps, item, "2027-07-16", outcome="amended")
    close(deps, first)
    states = {k: r.state for k, r in reminders(deps).items() if k.startswith("decision:")}
    assert {s for k, s in states.items() if k.startswith(f"decision:{first}:")} == {"dropped"}
    assert {s for k, s in states.items() if k.startswith(f"decision:{old}:")} == {"dropped"}
    assert {s for k, s in states.items() if k.startswith(f"decision:{new}:")} == {"pending"}


def test_planning_twice_writes_each_reminder_once(deps: Deps) -> None:
    mid = schedule(deps, "2027-06-24")
    with deps.unit_of_work() as s:
        from bot.reminders.planning import plan_meeting

        plan_meeting(s, get_meeting(s, mid), ReminderPolicy.of(deps), deps.clock.now())
        plan_meeting(s, get_meeting(s, mid), ReminderPolicy.of(deps), deps.clock.now())
    assert len(reminders(deps)) == 5
