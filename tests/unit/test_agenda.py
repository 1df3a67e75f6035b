"""Agenda items on a real database: numbering within kind, status changes, deadlines, lock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from bot import agenda, agenda_changes, agenda_deadlines, bodies, meetings
from bot.agenda import Submission
from bot.calendar import BusinessCalendar
from bot.clock import MovableClock
from bot.deps import Deps
from bot.errors import Forbidden, NotFound, UserError
from bot.meetings import Schedule
from bot.permissions import Actor
from bot.vocabulary import parse_ref
from storage.models import AgendaItem, Body, Meeting

TOKYO = ZoneInfo("Asia/Tokyo")
CAL = BusinessCalendar()
SEC = Actor("U0SEC")
MEMBER = Actor("U0MEMBER")
OTHER = Actor("U0OTHER")


def make_body(s: Session, now: datetime, channel: str = "C0MAIN") -> Body:
    view = bodies.setup_body(s, name="行政情報化推進本部", channel_id=channel, actor=SEC, now=now)
    body = s.get(Body, view.id)
    assert body is not None
    return body


def make_meeting(s: Session, body: Body, day: date, now: datetime) -> Meeting:
    view = meetings.schedule_meeting(
        s,
        body,
        Schedule(day, time(11), time(12)),
        actor=SEC,
        now=now,
        tz=TOKYO,
        fy_start_month=4,
    )
    return meetings.get_meeting(s, view.id)


def submit(
    s: Session,
    meeting: Meeting,
    kind: str,
    title: str,
    now: datetime,
    actor: Actor = SEC,
    **fields: object,
) -> agenda.Submitted:
    return agenda.submit_item(
        s,
        meeting,
        Submission(kind=kind, title=title, **fields),  # type: ignore[arg-type]
        actor=actor,
        now=now,
        cal=CAL,
        tz=TOKYO,
    )


def numbers(s: Session, meeting: Meeting) -> list[tuple[str, int | None, str]]:
    return [(i.kind, i.number, i.title) for i in agenda.items_of(s, meeting.id)]


def test_items_are_numbered_within_kind_in_agenda_order(deps: Deps) -> None:
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        meeting = make_meeting(s, make_body(s, now), date(2027, 6, 24), now)
        submit(s, meeting, "report", "システム標準化の進捗について", now)
        submit(s, meeting, "proposal", "行政手続きのオンライン化", now, MEMBER)
        submit(s, meeting, "confirm", "今年度の開催予定等について", now)
        submit(s, meeting, "proposal", "次期電話システムの選定について", now)
        assert numbers(s, meeting) == [
            ("confirm", 1, "今年度の開催予定等について"),
            ("proposal", 1, "行政手続きのオンライン化"),
            ("proposal", 2, "次期電話システムの選定について"),
            ("report", 1, "システム標準化の進捗について"),
        ]


def test_withdraw_reject_and_carry_close_up_the_numbers(deps: Deps) -> None:
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        body = make_body(s, now)
        meeting = make_meeting(s, body, date(2027, 6, 24), now)
        later = make_meeting(s, body, date(2027, 9, 22), now)
        ids = [submit(s, meeting, "proposal", f"議案{n}", now, MEMBER).item.id for n in range(4)]
        agenda_changes.withdraw_item(s, agenda.get_item(s, ids[0]), actor=MEMBER, now=now)
        assert [n for _, n, _ in numbers(s, meeting)] == [1, 2, 3, None]
        agenda_changes.reject_item(s, agenda.get_item(s, ids[1]), "重複", actor=SEC, now=now)
        old, new = agenda_changes.carry_item(
            s, agenda.get_item(s, ids[2]), None, actor=SEC, now=now, cal=CAL, tz=TOKYO
        )
        assert numbers(s, meeting)[0] == ("proposal", 1, "議案3")
        assert old.status == "carried" and old.number is None
        assert (new.meeting_id, new.number, new.carried_from_id) == (later.id, 1, old.id)
        rejected = agenda.get_item(s, ids[1])
        assert (rejected.status, rejected.status_reason) == ("rejected", "重複")
        # 議案1 now names what used to be the fourth proposal.
        ref = parse_ref("議案1")
        assert agenda.resolve_item(s, body, ref, now, "upcoming").id == ids[3]


def test_position_places_an_item_and_move_reorders(deps: Deps) -> None:
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        meeting = make_meeting(s, make_body(s, now), date(2027, 6, 24), now)
        a = submit(s, meeting, "report", "A", now).item.id
        submit(s, meeting, "report", "C", now)
        submit(s, meeting, "report", "B", now, position=2)
        assert [t for _, _, t in numbers(s, meeting)] == ["A", "B", "C"]
        agenda_changes.move_item(s, agenda.get_item(s, a), 3, actor=SEC, now=now)
        assert [(n, t) for _, n, t in numbers(s, meeting)] == [(1, "B"), (2, "C"), (3, "A")]
        with pytest.raises(Forbidden):
            agenda_changes.move_item(s, agenda.get_item(s, a), 1, actor=MEMBER, now=now)


def test_only_the_submitter_or_secretariat_may_withdraw(deps: Deps) -> None:
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        meeting = make_meeting(s, make_body(s, now), date(2027, 6, 24), now)
        item_id = submit(s, meeting, "proposal", "件名", now, MEMBER).item.id
        with pytest.raises(Forbidden) as refused:
            agenda_changes.withdraw_item(s, agenda.get_item(s, item_id), actor=OTHER, now=now)
        assert refused.value.key == "perm.own_items_only"
        with pytest.raises(Forbidden):
            agenda_changes.accept_item(s, agenda.get_item(s, item_id), actor=MEMBER, now=now)
        agenda_changes.accept_item(s, agenda.get_item(s, item_id), actor=SEC, now=now)
        agenda_changes.withdraw_item(s, agenda.get_item(s, item_id), actor=SEC, now=now)
        with pytest.raises(UserError) as again:
            agenda_changes.withdraw_item(s, agenda.get_item(s, item_id), actor=SEC, now=now)
        assert again.value.key == "agenda.bad_status"


def test_bad_submissions_write_nothing(deps: Deps) -> None:
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        meeting_id = make_meeting(s, make_body(s, now), date(2027, 6, 24), now).id
    for fields, key in [
        ({"title": " "}, "agenda.needs_title"),
        ({"title": "x" * 501}, "agenda.title_too_long"),
        ({"title": "t", "time_box_minutes": 0}, "agenda.bad_time_box"),
        ({"title": "t", "position": 0}, "agenda.bad_position"),
    ]:
        with pytest.raises(UserError) as err, deps.unit_of_work() as s:
            meeting = meetings.get_meeting(s, meeting_id)
            agenda.submit_item(
                s,
                meeting,
                Submission(kind="proposal", **fields),  # type: ignore[arg-type]
                actor=MEMBER,
                now=now,
                cal=CAL,
                tz=TOKYO,
            )
        assert err.value.key == key
    with deps.unit_of_work() as s:
        assert agenda.items_of(s, meeting_id) == []


def test_deadline_counts_business_days_and_a_holiday_moves_it() -> None:
    body = Body(agenda_deadline="5bd", materials_deadline="2bd")
    # Tue 2027-07-20: Mon 07-19 is 海の日, so five business days back is Mon 07-12.
    start = datetime(2027, 7, 20, 11, 0, tzinfo=TOKYO)
    found = agenda_deadlines.deadlines_for(body, start, CAL, TOKYO)
    assert found.agenda == datetime(2027, 7, 12, 11, 0, tzinfo=TOKYO)
    assert found.materials == datetime(2027, 7, 15, 11, 0, tzinfo=TOKYO)
    no_holidays = agenda_deadlines.deadlines_for(body, start, BusinessCalendar(country=None), TOKYO)
    assert no_holidays.agenda == datetime(2027, 7, 13, 11, 0, tzinfo=TOKYO)


def test_a_submission_after_the_deadline_is_late(deps: Deps, clock: MovableClock) -> None:
    now = clock.now()
    with deps.unit_of_work() as s:
        meeting = make_meeting(s, make_body(s, now), date(2027, 7, 20), now)
        on_time = submit(s, meeting, "report", "期限内", now)
        assert not on_time.late
        assert on_time.deadline == datetime(2027, 7, 12, 11, 0, tzinfo=TOKYO)
        meeting_id = meeting.id
    clock.set(datetime(2027, 7, 12, 11, 1, tzinfo=TOKYO))
    with deps.unit_of_work() as s:
        meeting = meetings.get_meeting(s, meeting_id)
        late = submit(s, meeting, "report", "期限後", clock.now(), MEMBER)
        assert late.late and late.item.late and late.item.status == "submitted"
        assert late.item.number == 2


def test_lock_freezes_numbers_and_refuses_members(deps: Deps) -> None:
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        meeting = make_meeting(s, make_body(s, now), date(2027, 6, 24), now)
        first = submit(s, meeting, "proposal", "一", now, MEMBER).item.id
        submit(s, meeting, "proposal", "二", now, MEMBER)
        with pytest.raises(Forbidden):
            agenda_deadlines.lock_agenda(s, meeting, actor=MEMBER, now=now)
        assert agenda_deadlines.lock_agenda(s, meeting, actor=SEC, now=now)
        assert not agenda_deadlines.lock_agenda(s, meeting, actor=SEC, now=now)
        with pytest.raises(Forbidden) as locked:
            submit(s, meeting, "proposal", "三", now, MEMBER)
        assert locked.value.key == "agenda.locked"
        agenda_changes.withdraw_item(s, agenda.get_item(s, first), actor=SEC, now=now)
        added = submit(s, meeting, "proposal", "三", now, SEC)
        # Frozen: the withdrawn item keeps its number and the new one comes after.
        assert [n for _, n, _ in numbers(s, meeting)] == [1, 2, 3]
        assert added.item.number == 3
        agenda_deadlines.unlock_agenda(s, meeting, actor=SEC, now=now)
        assert [(n, t) for _, n, t in numbers(s, meeting)] == [(1, "二"), (2, "三"), (None, "一")]


def test_agenda_locks_itself_at_the_materials_deadline(deps: Deps, clock: MovableClock) -> None:
    now = clock.now()
    with deps.unit_of_work() as s:
        body = make_body(s, now)
        first = make_meeting(s, body, date(2027, 6, 24), now)
        second = make_meeting(s, body, date(2027, 7, 20), now)
        first_id, second_id = first.id, second.id
        assert agenda.submission_meeting(s, body, now, CAL, TOKYO).id == first_id
    clock.set(datetime(2027, 6, 22, 11, 0, tzinfo=TOKYO))  # 2bd before Thu 06-24
    with deps.unit_of_work() as s:
        body = meetings.get_meeting(s, first_id).body
        assert agenda.submission_meeting(s, body, clock.now(), CAL, TOKYO).id == second_id
        assert meetings.get_meeting(s, first_id).agenda_locked_at is not None


def test_resolve_item_refuses_what_is_not_there(deps: Deps) -> None:
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        body = make_body(s, now)
        make_meeting(s, body, date(2027, 6, 24), now)
        with pytest.raises(NotFound) as missing:
            agenda.resolve_item(s, body, parse_ref("議案3"), now, "upcoming")
        assert missing.value.key == "agenda.item_not_in_meeting"
        with pytest.raises(NotFound):
            agenda.resolve_item(s, body, parse_ref("A999"), now, "upcoming")
        with pytest.raises(UserError) as wrong:
            agenda.resolve_item(s, body, parse_ref("M1"), now, "upcoming")
        assert wrong.value.key == "agenda.not_an_item"


def test_carry_refuses_a_target_in_the_past_and_keeps_a_frozen_source(
    deps: Deps, clock: MovableClock
) -> None:
    now = clock.now()
    with deps.unit_of_work() as s:
        body = make_body(s, now)
        held = make_meeting(s, body, date(2027, 5, 20), now)
        nxt = make_meeting(s, body, date(2027, 6, 24), now)
        item_id = submit(s, held, "proposal", "継続審議の件", now).item.id
        held_id, next_id = held.id, nxt.id
    clock.advance(timedelta(days=10, hours=3))  # after the first meeting
    with deps.unit_of_work() as s:
        held = meetings.get_meeting(s, held_id)
        meetings.end_meeting(s, held, actor=SEC, now=clock.now())
        item = agenda.resolve_item(s, held.body, parse_ref("議案1"), clock.now(), "held")
        assert item.id == item_id
        with pytest.raises(UserError):
            agenda_changes.carry_item(s, item, held, actor=SEC, now=clock.now(), cal=CAL, tz=TOKYO)
        old, new = agenda_changes.carry_item(
            s, item, None, actor=SEC, now=clock.now(), cal=CAL, tz=TOKYO
        )
        assert new.meeting_id == next_id
        # The held meeting's agenda is frozen: the carried item keeps 議案(1) there.
        assert (old.status, old.number) == ("carried", 1)
        assert s.get(AgendaItem, new.id) is not None
