"""When Slack fails: retried with backoff (Retry-After honoured), permanent errors recorded and
reported once, an interrupted post never doubled, and with 30% of calls answering 429/500
nothing is lost or doubled."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.deps import Deps
from bot.localslack import LocalSlack
from bot.reminders import claims
from bot.reminders.dispatcher import DispatchSettings, dispatch_due
from tests.unit.reminders_support import (
    FAST,
    MAIN,
    MEMBER,
    add_item,
    decide,
    dispatch_at,
    fast_client,
    insert_due,
    jst,
    keys_posted,
    reminders,
    schedule,
)

SEC_DM = "D0SEC"


@pytest.mark.parametrize(
    "error", ["channel_not_found", "not_in_channel", "is_archived", "account_inactive"]
)
def test_a_permanent_error_fails_the_reminder_and_tells_the_secretariat_once(
    deps: Deps, slack: LocalSlack, error: str
) -> None:
    mid = schedule(deps, "2027-06-24")
    deps.clock.set(jst("2027-06-15 09:00"))  # type: ignore[attr-defined]
    keys = insert_due(deps, mid, 2)
    slack.fail_next("chat.postMessage", status=200, error=error, count=3)
    # One post at a time, so that the three failures planned above meet these three
    # reminders, not the report to the secretariat posted alongside them.
    report = dispatch_due(deps, slack.client(), replace(FAST, concurrency=1))
    assert report.failed == 3  # the agenda call and the two inserted ones, one attempt each
    rows = reminders(deps)
    for key in [*keys, f"meeting:{mid}:agenda_call"]:
        assert rows[key].state == "failed" and rows[key].last_error == error
        assert rows[key].attempts == 1
    reports = [m.text for m in slack.messages(channel=SEC_DM)]
    assert len(reports) == 1
    assert error in reports[0] and f"<#{MAIN}>" in reports[0] and "再送しません" in reports[0]
    # Later reminders fail the same way: still one report.
    slack.fail_next("chat.postMessage", status=200, error=error)
    dispatch_at(deps, slack.client(), jst("2027-06-23 11:00"))
    assert len(slack.messages(channel=SEC_DM)) == 1


def test_a_real_archived_channel_is_reported(deps: Deps, slack: LocalSlack) -> None:
    mid = schedule(deps, "2027-06-24")
    slack.add_channel(MAIN, "gyosei-joho", "public", archived=True)
    dispatch_at(deps, slack.client(), jst("2027-06-15 09:00"))
    assert reminders(deps)[f"meeting:{mid}:agenda_call"].state == "failed"
    assert "アーカイブ" in slack.messages(channel=SEC_DM)[0].text


def test_rate_limited_reminder_waits_for_retry_after(deps: Deps, slack: LocalSlack) -> None:
    item = add_item(deps, schedule(deps, "2027-06-24"), "電話")
    did = decide(deps, item, "2027-07-09")
    slack.fail_next("chat.postMessage", status=429, retry_after=30)
    client = slack.client()  # no client-side retries: the dispatcher's own requeue
    start = jst("2027-07-06 09:00")
    report = dispatch_at(deps, client, start)
    assert (report.sent, report.retried) == (0, 1)
    row = reminders(deps)[f"decision:{did}:before:2027-07-09"]
    assert row.state == "pending" and row.next_attempt_at is not None
    assert row.next_attempt_at >= start + timedelta(seconds=30)
    assert not row.in_doubt  # a 429 was not delivered
    assert dispatch_at(deps, client, start + timedelta(seconds=20)).sent == 0
    assert dispatch_at(deps, client, start + timedelta(seconds=31)).sent == 1
    assert len(slack.messages(channel=f"D{MEMBER[1:]}")) == 1


def test_backoff_grows_and_a_reminder_that_keeps_failing_is_given_up(
    deps: Deps, slack: LocalSlack
) -> None:
    mid = schedule(deps, "2027-06-24")
    deps.clock.set(jst("2027-06-14 10:00"))  # type: ignore[attr-defined]
    (key,) = insert_due(deps, mid, 1)
    slack.fail_next("chat.postMessage", status=503, count=4)
    settings = DispatchSettings(backoff_base=10, backoff_max=35, max_attempts=4)
    client, waits = slack.client(), []
    for _ in range(3):
        dispatch_due(deps, client, settings)
        row = reminders(deps)[key]
        assert row.state == "pending" and row.next_attempt_at is not None and row.in_doubt
        waits.append((row.next_attempt_at - deps.clock.now()).total_seconds())
        deps.clock.set(row.next_attempt_at)  # type: ignore[attr-defined]
    assert 10 <= waits[0] <= 12 and 20 <= waits[1] <= 24 and 35 <= waits[2] <= 42
    dispatch_due(deps, client, settings)
    assert reminders(deps)[key].state == "failed"
    assert "gave up after 4 attempts" in str(reminders(deps)[key].last_error)
    assert len(slack.messages(channel=SEC_DM)) == 1


def test_a_post_interrupted_after_reaching_slack_is_not_sent_again(
    deps: Deps, slack: LocalSlack
) -> None:
    mid = schedule(deps, "2027-06-24")
    deps.clock.set(jst("2027-06-14 10:00"))  # type: ignore[attr-defined]
    (key,) = insert_due(deps, mid, 1)
    now = deps.clock.now()
    # A dispatcher claims it, posts it, and dies before recording it.
    (due,) = claims.claim_due(deps.session_factory, now, "dead:1", 10, timedelta(minutes=2))
    assert due.key == key and due.attempts == 0
    slack.client().chat_postMessage(
        channel=MAIN,
        text="…",
        metadata={"event_type": "secretariat_reminder", "event_payload": {"key": key}},
    )
    # Within the lease nobody touches it; after it, the next dispatcher finds the message.
    assert dispatch_at(deps, slack.client(), now + timedelta(minutes=1)).sent == 0
    report = dispatch_at(deps, slack.client(), now + timedelta(minutes=3))
    assert report.sent == 1
    assert keys_posted(slack) == [key]
    assert slack.calls("conversations.history")
    assert reminders(deps)[key].state == "sent"


def test_a_dropped_connection_is_checked_then_posted_once(deps: Deps, slack: LocalSlack) -> None:
    mid = schedule(deps, "2027-06-24")
    deps.clock.set(jst("2027-06-14 10:00"))  # type: ignore[attr-defined]
    (key,) = insert_due(deps, mid, 1)
    slack.drop_next("chat.postMessage")
    client = slack.client(timeout=5, retry_handlers=[])  # no retry inside the client
    report = dispatch_due(deps, client, FAST)  # no backoff: retried within the same pass
    assert (report.retried, report.sent) == (1, 1)
    assert keys_posted(slack) == [key]
    # In doubt after the dropped connection: looked for before posting again.
    assert len(slack.calls("conversations.history")) == 1


def test_thirty_percent_of_calls_failing_loses_and_doubles_nothing(
    deps: Deps, slack: LocalSlack
) -> None:
    mid = schedule(deps, "2027-06-24")
    deps.clock.set(jst("2027-06-14 10:00"))  # type: ignore[attr-defined]
    keys = insert_due(deps, mid, 60)
    item = add_item(deps, mid, "電話")
    did = decide(deps, item, "2027-06-14")  # due today: its DM is due now too
    keys.append(f"decision:{did}:due:2027-06-14")
    slack.set_failure_rate(0.3, (429, 500), seed=20270614, retry_after=0)
    client = fast_client(slack)
    for _ in range(100):
        dispatch_due(deps, client, FAST)
        if all(r.state != "pending" for r in reminders(deps).values() if r.key in keys):
            break
        deps.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    posted = Counter(keys_posted(slack))
    assert sorted(posted) == sorted(keys)
    assert max(posted.values()) == 1
    assert {reminders(deps)[k].state for k in keys} == {"sent"}
    assert len(slack.failed_calls("chat.postMessage")) >= 10
