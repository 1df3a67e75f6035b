"""The item messages at a meeting's start time, when nobody runs ``/meeting start``.

PRODUCT.md: "At `/meeting start` (or the start time): one message per agenda item in the
meeting's thread". The reminder ``meeting:<id>:start`` does the "or the start time" part:
driven through the real app's client against the fake Slack with the movable clock, on both
databases.
"""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import select

from bot.itemthreads import post_item_messages
from bot.reminders.dispatcher import DispatchReport, dispatch_due
from storage.models import AgendaItem, Meeting
from tests.harness import C_MAIN, C_PT, C_SHARED, Harness
from tests.unit.reminders_support import FAST, add_item, dispatch_at, jst, reminders


def item_posts(h: Harness, item_id: int, channel: str = C_MAIN) -> list[str]:
    """The ts of each channel message that opens the thread of item ``A<item_id>``."""
    return [
        m.ts
        for m in h.slack.messages(channel=channel)
        if m.thread_ts is None and m.text.startswith(":pushpin:") and f"A{item_id}）" in m.text
    ]


def all_item_posts(h: Harness) -> list[str]:
    return [
        m.text
        for m in h.slack.messages(channel=C_MAIN)
        if m.thread_ts is None and m.text.startswith(":pushpin:")
    ]


def thread_of(h: Harness, item_id: int) -> tuple[str | None, str | None]:
    with h.deps.unit_of_work() as s:
        item = s.get(AgendaItem, item_id)
        assert item is not None
        return item.thread_channel, item.thread_ts


def start_row(h: Harness, mid: int) -> tuple[str, str | None]:
    row = reminders(h.deps)[f"meeting:{mid}:start"]
    return row.state, row.last_error


def test_items_are_posted_at_the_start_time_and_meeting_start_adds_nothing(
    harness: Harness,
) -> None:
    h = harness
    h.setup_body()
    mid = h.schedule("2027-06-24", "11:00-12:00")
    client = h.client()
    phone = add_item(h.deps, mid, "次期電話システムの選定について")
    online = add_item(h.deps, mid, "行政手続きのオンライン化について", kind="report")

    assert dispatch_at(h.deps, client, jst("2027-06-24 10:59")).performed == 0
    assert not all_item_posts(h)
    report = dispatch_at(h.deps, client, jst("2027-06-24 11:00"))
    assert report.performed == 1 and report.sent == 0  # no reminder text of its own

    assert len(item_posts(h, phone)) == 1 and len(item_posts(h, online)) == 1
    assert len(all_item_posts(h)) == 2
    # Each message became its item's thread: replies there are the item's notes.
    assert thread_of(h, phone) == (C_MAIN, item_posts(h, phone)[0])
    assert thread_of(h, online) == (C_MAIN, item_posts(h, online)[0])
    with h.deps.unit_of_work() as s:
        meeting = s.get(Meeting, mid)
        assert meeting is not None and meeting.announcement_ts is not None
        assert meeting.items_posted_at is not None
        announcement = meeting.announcement_ts
    index = h.slack.messages(channel=C_MAIN, thread_ts=announcement)
    assert any("2件" in m.text for m in index)
    assert start_row(h, mid) == ("sent", None)

    # The secretariat starts the meeting a few minutes late: the record, no second set.
    h.clock.set(jst("2027-06-24 11:05"))
    answer = h.command("/meeting", f"start M{mid}")
    assert answer.status == 200 and f"M{mid}" in answer.text
    assert dispatch_at(h.deps, client, jst("2027-06-24 11:10")).performed == 0
    assert len(all_item_posts(h)) == 2


def test_meeting_start_before_the_start_time_leaves_the_reminder_nothing_to_do(
    harness: Harness,
) -> None:
    h = harness
    h.setup_body()
    mid = h.schedule("2027-06-24", "11:00-12:00")
    item = add_item(h.deps, mid, "次期電話システムの選定について")
    client = h.client()
    dispatch_at(h.deps, client, jst("2027-06-24 10:50"))  # the notices before the meeting
    h.clock.set(jst("2027-06-24 10:55"))
    assert h.command("/meeting", f"start M{mid}").status == 200
    assert len(item_posts(h, item)) == 1

    report = dispatch_at(h.deps, client, jst("2027-06-24 11:00"))
    assert report.performed == 0 and report.dropped == 1
    assert len(item_posts(h, item)) == 1
    assert start_row(h, mid) == ("dropped", "the item messages were already posted")


def test_a_meeting_outside_business_hours_still_gets_its_items_at_the_start_time(
    harness: Harness,
) -> None:
    h = harness
    h.setup_body()
    # Saturday evening: reminders to people would wait for Monday 9:00; this one does not.
    mid = h.schedule("2027-06-26", "19:00-20:00")
    item = add_item(h.deps, mid, "災害対応について")
    report = dispatch_at(h.deps, h.client(), jst("2027-06-26 19:00"))
    assert report.performed == 1 and report.deferred == 0
    assert len(item_posts(h, item)) == 1


def test_a_moved_meeting_gets_its_items_at_the_new_time_not_the_old(harness: Harness) -> None:
    h = harness
    h.setup_body()
    mid = h.schedule("2027-06-24", "11:00-12:00")
    item = add_item(h.deps, mid, "次期電話システムの選定について")
    answer = h.command("/meeting", f"move M{mid} 2027-07-01 14:00-15:00")
    assert answer.status == 200 and "M" in answer.text
    assert reminders(h.deps)[f"meeting:{mid}:start"].due_at == jst("2027-07-01 14:00")

    client = h.client()
    for moment in ("2027-06-24 11:00", "2027-06-24 11:30", "2027-07-01 13:59"):
        assert dispatch_at(h.deps, client, jst(moment)).performed == 0, moment
    assert not item_posts(h, item)
    assert dispatch_at(h.deps, client, jst("2027-07-01 14:00")).performed == 1
    assert len(item_posts(h, item)) == 1
    assert start_row(h, mid) == ("sent", None)


def test_a_cancelled_meeting_never_gets_its_items(harness: Harness) -> None:
    h = harness
    h.setup_body()
    mid = h.schedule("2027-06-24", "11:00-12:00")
    add_item(h.deps, mid, "次期電話システムの選定について")
    assert h.command("/meeting", f"cancel M{mid} 都合により").status == 200
    client = h.client()
    for moment in ("2027-06-24 11:00", "2027-06-24 11:30", "2027-06-25 11:00"):
        assert dispatch_at(h.deps, client, jst(moment)).performed == 0, moment
    assert not all_item_posts(h)
    assert start_row(h, mid) == ("dropped", "meeting cancelled")


def test_after_a_downtime_items_are_posted_late_while_the_meeting_is_on(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    h.setup_body()
    mid = h.schedule("2027-06-24", "11:00-12:00")
    item = add_item(h.deps, mid, "次期電話システムの選定について")
    caplog.set_level(logging.INFO, logger="bot.reminders.dispatcher")
    # The bot was down from before 11:00 and comes back at 11:40, during the meeting.
    assert dispatch_at(h.deps, h.client(), jst("2027-06-24 11:40")).performed == 1
    assert len(item_posts(h, item)) == 1
    assert f"meeting:{mid}:start was due at" in caplog.text
    assert "missed while the bot was down" in caplog.text


def test_after_a_downtime_past_the_end_nothing_is_posted_and_the_log_says_why(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    h.setup_body()
    mid = h.schedule("2027-06-24", "11:00-12:00")
    add_item(h.deps, mid, "次期電話システムの選定について")
    caplog.set_level(logging.INFO, logger="bot.reminders.dispatcher")
    report = dispatch_at(h.deps, h.client(), jst("2027-06-24 12:00"))
    assert report.performed == 0 and report.dropped >= 1
    assert not all_item_posts(h)
    assert start_row(h, mid) == ("dropped", "the meeting has already ended")
    line = next(r.getMessage() for r in caplog.records if f"meeting:{mid}:start" in r.getMessage())
    assert "dropped (missed while the bot was down): the meeting has already ended" in line


def test_dispatchers_racing_each_other_and_meeting_start_post_each_item_once(
    harness: Harness,
) -> None:
    h = harness
    # Three bodies' meetings in progress at 11:00, the bot down since before 9:00: three rows
    # due. (One body cannot sit twice at once.)
    channels = (C_MAIN, C_PT, C_SHARED)
    meetings = []
    for n, (channel, hour) in enumerate(zip(channels, (9, 10, 11), strict=True)):
        h.setup_body(f"setup 本部{n} secretariat=情報管理課 place=庁議室", channel=channel)
        meetings.append(h.schedule("2027-06-24", f"{hour:02d}:00-12:00", channel=channel))
    assert len(set(meetings)) == 3
    items = [
        add_item(h.deps, mid, f"議題{n}-{k}") for n, mid in enumerate(meetings) for k in (1, 2)
    ]
    channel_of = {item: channels[n // 2] for n, item in enumerate(items)}
    h.clock.set(jst("2027-06-24 11:00"))
    gate = threading.Barrier(4)
    reports: list[DispatchReport] = []
    errors: list[BaseException] = []

    def dispatcher(name: str) -> None:
        try:
            client = h.slack.client(retry_handlers=[])
            gate.wait()
            reports.append(dispatch_due(h.deps, client, FAST, worker=name))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    def meeting_start() -> None:
        # The secretariat's /meeting start for the 11:00 meeting, at the same moment.
        try:
            client = h.slack.client(retry_handlers=[])
            gate.wait()
            post_item_messages(h.deps, meetings[2], client)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=dispatcher, args=(f"w{i}",)) for i in range(3)]
    threads.append(threading.Thread(target=meeting_start))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert [len(item_posts(h, item, channel_of[item])) for item in items] == [1] * len(items)
    # The 11:00 meeting's items were posted by a dispatcher or by /meeting start, not both.
    assert sum(r.performed for r in reports) in (2, 3)
    assert sum(r.lost for r in reports) == 0
    with h.deps.unit_of_work() as s:
        thread_ts = s.scalars(select(AgendaItem.thread_ts).where(AgendaItem.id.in_(items))).all()
    assert len(set(thread_ts)) == len(items) and None not in thread_ts
