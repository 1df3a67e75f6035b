"""Every reminder of PRODUCT.md, delivered through the real app's client to the fake Slack
with a movable clock: at its moment, once, with the text of the moment it is sent."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from bot.deps import Deps
from bot.localslack import LocalSlack
from bot.reminders.dispatcher import dispatch_due
from bot.reminders.scheduler import JOB_ID, start_scheduler
from tests.harness import C_MAIN, U_CHAIR, U_MEMBER, U_SEC, Harness
from tests.unit.reminders_support import (
    FAST,
    add_item,
    add_material,
    close,
    decide,
    dispatch_at,
    insert_due,
    jst,
    keys_posted,
    reminders,
    schedule,
)


def texts(h: Harness, channel: str) -> list[str]:
    return [m.text for m in h.slack.messages(channel=channel) if m.metadata]


def test_meeting_reminders_arrive_at_their_moments_with_the_agenda_of_that_moment(
    harness: Harness,
) -> None:
    h = harness
    h.setup_body()
    mid = h.schedule("2027-06-24", "11:00-12:00")
    client = h.client()
    first = add_item(h.deps, mid, "今年度の開催予定等について", kind="confirm")

    assert dispatch_at(h.deps, client, jst("2027-06-15 08:59")).sent == 0
    assert dispatch_at(h.deps, client, jst("2027-06-15 09:00")).sent == 1
    call = texts(h, C_MAIN)[-1]
    assert "議題を募集" in call and "締切：令和9年6月17日（木） 11:00" in call
    assert "今年度の開催予定等について" in call

    # Submitted after the call went out; the materials DM and the agenda know them.
    phone = add_item(h.deps, mid, "次期電話システムの選定について", presenter=f"<@{U_CHAIR}>")
    online = add_item(h.deps, mid, "行政手続きのオンライン化について")
    add_material(h.deps, online, "スケジュール変更案")
    add_material(h.deps, first, "開催予定表")
    closed = add_item(h.deps, mid, "人事案件", kind="report", private=True)
    add_material(h.deps, closed, "人事資料")

    report = dispatch_at(h.deps, client, jst("2027-06-21 09:00"))
    assert report.expanded == 1 and report.sent == 1  # one item has no material
    dm = texts(h, f"D{U_CHAIR[1:]}")
    assert len(dm) == 1 and "次期電話システムの選定について" in dm[0]
    assert f"/materials add A{phone}" in dm[0]
    assert not texts(h, f"D{U_MEMBER[1:]}")  # the member's items have materials

    assert dispatch_at(h.deps, client, jst("2027-06-23 11:00")).sent == 1
    agenda = texts(h, C_MAIN)[-1]
    assert "議題と資料" in agenda
    assert "確認事項1　今年度の開催予定等について" in agenda
    assert "資料1　開催予定表" in agenda and "資料2　スケジュール変更案" in agenda
    assert agenda.index("確認事項") < agenda.index("議案") < agenda.index("報告事項")
    # A non-public item and its materials are not named in the channel.
    assert "人事" not in agenda and "報告事項1　（非公開）" in agenda

    assert dispatch_at(h.deps, client, jst("2027-06-24 10:00")).sent == 1
    assert "開催されます" in texts(h, C_MAIN)[-1]
    assert dispatch_at(h.deps, client, jst("2027-06-24 10:30")).sent == 0

    posted = keys_posted(h.slack)
    assert posted == [
        f"meeting:{mid}:agenda_call",
        f"meeting:{mid}:materials:{phone}",
        f"meeting:{mid}:agenda_preview",
        f"meeting:{mid}:offset:1h",
    ]
    assert reminders(h.deps)[f"meeting:{mid}:materials_check"].state == "sent"


def test_a_presenter_who_adds_material_before_the_dm_goes_out_gets_none(harness: Harness) -> None:
    h = harness
    h.setup_body()
    mid = h.schedule("2027-06-24", "11:00-12:00")
    item = add_item(h.deps, mid, "電話")
    # The bot comes back in the evening: the check runs, the DM waits for the morning.
    report = dispatch_at(h.deps, h.client(), jst("2027-06-21 20:00"))
    assert (report.expanded, report.sent) == (1, 0)
    dm = f"meeting:{mid}:materials:{item}"
    assert reminders(h.deps)[dm].due_at == jst("2027-06-22 09:00")
    add_material(h.deps, item, "選定方針")
    report = dispatch_at(h.deps, h.client(), jst("2027-06-22 09:00"))
    assert report.sent == 0
    rows = reminders(h.deps)
    assert rows[dm].last_error == "the agenda item has materials now"
    # The call for agenda items, missed while down, is past the agenda deadline (6/17).
    assert rows[f"meeting:{mid}:agenda_call"].last_error == "the agenda deadline has passed"


def test_decision_reminders_dm_the_owner_then_note_overdue_weekly_until_closed(
    harness: Harness,
) -> None:
    h = harness
    h.setup_body()
    mid = h.schedule("2027-06-24", "11:00-12:00")
    item = add_item(h.deps, mid, "次期電話システムの選定について")
    did = decide(h.deps, item, "2027-07-09", text="仕様書を作成する")  # a Friday
    client, dm = h.client(), f"D{U_MEMBER[1:]}"

    assert dispatch_at(h.deps, client, jst("2027-07-06 09:00")).sent == 1
    assert "あと3営業日" in texts(h, dm)[-1] and f"D{did}" in texts(h, dm)[-1]
    assert dispatch_at(h.deps, client, jst("2027-07-09 09:00")).sent == 1
    assert "期限は本日" in texts(h, dm)[-1] and "仕様書を作成する" in texts(h, dm)[-1]

    assert dispatch_at(h.deps, client, jst("2027-07-12 09:00")).sent == 1
    note = texts(h, C_MAIN)[-1]
    assert f"<@{U_MEMBER}>" in note and "次期電話システムの選定について" in note
    assert f"<@{U_SEC}>" in note and "3日超過" in note
    # A week later; 7/19 is 海の日, so the next business day.
    assert dispatch_at(h.deps, client, jst("2027-07-19 09:00")).sent == 0
    assert dispatch_at(h.deps, client, jst("2027-07-20 09:00")).sent == 1
    assert "11日超過" in texts(h, C_MAIN)[-1]

    close(h.deps, did)
    assert dispatch_at(h.deps, client, jst("2027-07-26 09:00")).sent == 0
    assert keys_posted(h.slack)[-4:] == [
        f"decision:{did}:before:2027-07-09",
        f"decision:{did}:due:2027-07-09",
        f"decision:{did}:overdue:2027-07-12",
        f"decision:{did}:overdue:2027-07-20",
    ]
    assert reminders(h.deps)[f"decision:{did}:overdue:2027-07-26"].state == "dropped"


def test_reminders_to_people_wait_for_business_hours(harness: Harness) -> None:
    h = harness
    h.setup_body()
    item = add_item(h.deps, h.schedule("2027-06-24", "11:00-12:00"), "電話")
    did = decide(h.deps, item, "2027-07-21")  # reminded 3 business days before: Thu 7/15
    client = h.client()
    # Down all day on 7/15, back at 20:00: the DM waits for Friday morning.
    report = dispatch_at(h.deps, client, jst("2027-07-15 20:00"))
    assert (report.deferred, report.sent) == (1, 0)
    row = reminders(h.deps)[f"decision:{did}:before:2027-07-21"]
    assert row.next_attempt_at == jst("2027-07-16 09:00")
    assert dispatch_at(h.deps, client, jst("2027-07-16 08:59")).sent == 0
    assert dispatch_at(h.deps, client, jst("2027-07-16 09:00")).sent == 1
    assert "あと2営業日" in texts(h, f"D{U_MEMBER[1:]}")[-1]  # 7/20, 7/21 (7/19 海の日)


def test_year_end_closure_defers_a_dm_to_the_new_year(harness: Harness) -> None:
    h = harness
    h.setup_body()
    item = add_item(h.deps, h.schedule("2027-06-24", "11:00-12:00"), "電話")
    did = decide(h.deps, item, "2028-01-06")  # 3 business days before: 12/28
    client = h.client()
    assert dispatch_at(h.deps, client, jst("2027-12-28 18:30")).deferred == 1
    for closed in ("2027-12-29 10:00", "2027-12-31 10:00", "2028-01-03 10:00"):
        assert dispatch_at(h.deps, client, jst(closed)).sent == 0
    assert dispatch_at(h.deps, client, jst("2028-01-04 09:00")).sent == 1
    assert keys_posted(h.slack) == [f"decision:{did}:before:2028-01-06"]
    assert "あと2営業日" in texts(h, f"D{U_MEMBER[1:]}")[-1]


def test_after_a_downtime_stale_notices_are_dropped_and_nudges_sent(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    h.setup_body()
    mid = h.schedule("2027-06-24", "11:00-12:00")
    item = add_item(h.deps, mid, "電話")
    did = decide(h.deps, item, "2027-06-24")
    dispatch_at(h.deps, h.client(), jst("2027-06-18 09:00"))  # up and running until 6/18
    caplog.set_level(logging.INFO, logger="bot.reminders")
    # Down from then until the meeting has started.
    dispatch_at(h.deps, h.client(), jst("2027-06-24 11:30"))
    rows = reminders(h.deps)
    assert rows[f"meeting:{mid}:offset:1h"].state == "dropped"
    assert rows[f"meeting:{mid}:agenda_preview"].state == "dropped"
    assert rows[f"decision:{did}:due:2027-06-24"].state == "sent"
    # The earlier nudge of the same decision, also due, is not sent on top.
    assert rows[f"decision:{did}:before:2027-06-24"].state == "dropped"
    log = caplog.text
    assert f"meeting:{mid}:offset:1h" in log and "already started" in log
    assert f"decision:{did}:due:2027-06-24" in log and "missed while the bot was down" in log


def test_a_cancelled_meeting_sends_no_reminder_and_a_moved_one_follows(harness: Harness) -> None:
    h = harness
    h.setup_body()
    cancelled = h.schedule("2027-06-24", "11:00-12:00")
    moved = h.schedule("2027-06-25", "11:00-12:00")
    h.command("/meeting", f"cancel M{cancelled} 都合により")
    h.command("/meeting", f"move M{moved} 2027-07-01 14:00-15:00")
    assert any("都合により" in m.text for m in h.slack.messages(channel=C_MAIN))
    client = h.client()
    # Only the moved meeting's call for agenda items (6/22 09:00, before its 6/24 deadline).
    assert dispatch_at(h.deps, client, jst("2027-06-24 11:00")).sent == 1
    assert dispatch_at(h.deps, client, jst("2027-06-30 13:59")).sent == 0
    assert dispatch_at(h.deps, client, jst("2027-06-30 14:00")).sent == 1
    assert not [k for k in keys_posted(h.slack) if k.startswith(f"meeting:{cancelled}:")]
    assert f"meeting:{moved}:agenda_preview" in keys_posted(h.slack)


def test_reminders_speak_english(deps: Deps, slack: LocalSlack) -> None:
    english = Deps(
        config=replace(deps.config, lang="en"),
        session_factory=deps.session_factory,
        clock=deps.clock,
    )
    item = add_item(english, schedule(english, "2027-06-24"), "Phone system")
    decide(english, item, "2027-06-24", owner=None, dept="General Affairs")
    deps.clock.set(jst("2027-06-24 09:00"))  # type: ignore[attr-defined]
    dispatch_due(english, slack.client(), FAST)
    dm = [m.text for m in slack.messages(channel=f"D{U_SEC[1:]}")]
    assert len(dm) == 1
    assert "due today" in dm[0] and "Phone system" in dm[0] and "General Affairs" in dm[0]


def test_the_scheduler_runs_the_dispatcher_on_its_interval(deps: Deps, slack: LocalSlack) -> None:
    mid = schedule(deps, "2027-06-24")
    deps.clock.set(jst("2027-06-14 10:00"))  # type: ignore[attr-defined]
    quick = Deps(
        config=replace(deps.config, dispatch_interval_seconds=0.05),
        session_factory=deps.session_factory,
        clock=deps.clock,
    )
    scheduler = start_scheduler(quick, slack.client(), FAST)
    try:
        assert scheduler.get_job(JOB_ID) is not None
        (first,) = insert_due(deps, mid, 1, prefix="a")
        slack.wait_for(lambda: keys_posted(slack) == [first])
        # Rows written later are picked up by a later pass; nothing is sent twice.
        (second,) = insert_due(deps, mid, 1, prefix="b")
        slack.wait_for(lambda: keys_posted(slack) == [first, second])
    finally:
        scheduler.shutdown(wait=True)
    assert keys_posted(slack) == [first, second]
