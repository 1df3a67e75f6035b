"""Slack's delivery: retried events, double presses and submissions, forged and replayed requests.

A retried event (same event_id, X-Slack-Retry-Num) has one effect, on one instance or on
several sharing the database; a button pressed twice or a modal submitted twice makes one
record; a bad signature or a timestamp older than five minutes gets 401 and does nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.announce import ABSENT_ACTION, ATTEND_ACTION
from bot.deps import Deps
from bot.localslack import LocalSlack
from storage.models import AgendaItem, Attendance, Decision, Meeting, Note
from tests.harness import C_MAIN, U_CHAIR, U_MEMBER, U_SEC
from tests.reliability import figures
from tests.reliability.live import LiveBot, serve
from tests.reliability.state import counts, seed
from tests.reliability.surfaces import commands, has_surface
from tests.slackbench import payloads


def _count(live: LiveBot, model: Any) -> int:
    with live.deps.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _bot_posts(live: LiveBot, channel: str, thread_ts: str) -> int:
    return len(live.slack.messages(channel, thread_ts=thread_ts))


# -- retried events -------------------------------------------------------------------------


@dataclass(frozen=True)
class EventCase:
    """An event with an effect, and how to count that effect."""

    name: str
    surface: str
    build: Callable[[LiveBot], dict[str, Any]]
    effect: Callable[[LiveBot, dict[str, Any]], int]


def _item_thread(live: LiveBot) -> str:
    """The thread of the first agenda item, posted at ``/meeting start``."""
    live.command("/meeting", "start M1")
    live.settle()
    with live.deps.session_factory() as session:
        ts = session.scalar(select(AgendaItem.thread_ts).where(AgendaItem.thread_ts.is_not(None)))
    if ts is None:
        pytest.skip("no agenda item thread to reply in (agenda items not posted at start)")
    return str(ts)


EVENT_CASES = [
    EventCase(
        "mention answered once",
        "handlers.mention",
        lambda live: payloads.app_mention(
            "<@U0BOT> 電話システムについて何が決まった？", U_MEMBER, C_MAIN
        ),
        lambda live, event: _bot_posts(live, C_MAIN, event["ts"]),
    ),
    EventCase(
        "thread reply noted once",
        "handlers.messages",
        lambda live: payloads.message_event(
            "交換機の保守期限は令和10年3月", U_CHAIR, C_MAIN, thread_ts=_item_thread(live)
        ),
        lambda live, event: _count(live, Note),
    ),
]


@pytest.mark.parametrize("case", EVENT_CASES, ids=lambda c: c.name)
def test_retried_event_has_one_effect(live: LiveBot, case: EventCase) -> None:
    if not has_surface(case.surface):
        pytest.skip(f"{case.surface} not there yet")
    seed(live)
    event = case.build(live)
    before = case.effect(live, event)
    envelope_id = "Ev0RETRIED01"
    assert live.event(event, event_id=envelope_id).status == 200
    for retry in (1, 2, 3):
        answer = live.event(event, event_id=envelope_id, retry_num=retry)
        figures.add("retries_sent")
        assert answer.status == 200
    live.settle()
    after = case.effect(live, event)
    assert after - before == 1, (case.name, before, after)
    figures.add("records_doubled", max(0, after - before - 1))
    figures.add("records_lost", max(0, 1 - (after - before)))


def test_retry_reaching_another_instance_has_one_effect(
    live: LiveBot, deps: Deps, live_slack: LocalSlack
) -> None:
    """Two instances behind a load balancer, one database: the retry lands on the other."""
    if not has_surface("handlers.mention"):
        pytest.skip("handlers.mention not there yet")
    seed(live)
    other, served = serve(deps, live_slack)
    try:
        event = payloads.app_mention("<@U0BOT> 電話システム", U_MEMBER, C_MAIN)
        with ThreadPoolExecutor(4) as pool:
            sent = [
                pool.submit(bot.event, event, event_id="Ev0TWOINST01", retry_num=n or None)
                for n, bot in enumerate((live, other, live, other))
            ]
            assert all(f.result().status == 200 for f in sent)
        figures.add("retries_sent", 3)
        live.settle()
        other.settle()
        assert _bot_posts(live, C_MAIN, event["ts"]) == 1
    finally:
        served.close()
        other.executor.shutdown(wait=True)


# -- buttons and modals -----------------------------------------------------------------------


def test_attendance_button_pressed_twice_is_one_answer(live: LiveBot) -> None:
    ids = seed(live)
    meeting = str(ids["M1"])
    for action in (ATTEND_ACTION, ATTEND_ACTION, ABSENT_ACTION, ABSENT_ACTION):
        assert live.action(action, meeting, user=U_MEMBER).status == 200
        # Presses are acknowledged first and recorded after: let each land before the next,
        # since two presses in flight at once are recorded in whichever order they finish.
        live.settle()
        figures.add("double_submissions")
    with ThreadPoolExecutor(4) as pool:  # pressed at the same moment
        sent = [pool.submit(live.action, ATTEND_ACTION, meeting, user=U_CHAIR) for _ in range(4)]
        assert all(f.result().status == 200 for f in sent)
    figures.add("double_submissions", 4)
    live.settle()
    with live.deps.session_factory() as session:
        rows = session.execute(select(Attendance.user_id, Attendance.status)).all()
    assert sorted(rows) == [(U_CHAIR, "present"), (U_MEMBER, "absent")]


def _select(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


@dataclass(frozen=True)
class ModalCase:
    """A modal whose submission creates a record."""

    callback_id: str
    surface: str
    model: Any
    # The form's values for the n-th distinct submission (0, 1): two different forms must be
    # two valid records (one body's meetings cannot overlap, so the second is an hour later).
    values: Callable[[dict[str, int], int], dict[str, Any]]


MODAL_CASES = [
    ModalCase(
        "meeting_schedule",
        "handlers.meeting_modal",
        Meeting,
        lambda ids, n: {
            "date": {"value": "2027-09-02"},
            "time": {"value": f"{10 + n}:00-{11 + n}:00"},
        },
    ),
    ModalCase(
        "agenda_submit",
        "handlers.agenda_modal",
        AgendaItem,
        lambda ids, n: {
            "meeting": {"value": _select(str(ids["M1"]))},
            "kind": {"value": _select("proposal")},
            "title": {"value": "二重送信の試験"},
        },
    ),
    ModalCase(
        "decision_record",
        "handlers.decision_modal",
        Decision,
        lambda ids, n: {"item": {"value": "A1"}, "outcome": {"value": _select("approved")}},
    ),
]


@pytest.mark.parametrize("case", MODAL_CASES, ids=lambda c: c.callback_id)
def test_modal_submitted_twice_is_one_record(live: LiveBot, case: ModalCase) -> None:
    if not has_surface(case.surface):
        pytest.skip(f"{case.surface} not there yet")
    ids = seed(live)
    metadata = json.dumps({"channel": C_MAIN})
    values = case.values(ids, 0)
    before = _count(live, case.model)
    first = live.submit(
        case.callback_id, values, user=U_SEC, private_metadata=metadata, view_id="V0TWICE01"
    )
    assert first.status == 200 and "errors" not in str(first.response.body), first.response
    again = live.submit(
        case.callback_id, values, user=U_SEC, private_metadata=metadata, view_id="V0TWICE01"
    )
    assert again.status == 200
    with ThreadPoolExecutor(3) as pool:  # and a burst of the same submission at once
        burst = [
            pool.submit(
                live.submit,
                case.callback_id,
                case.values(ids, 1),
                user=U_SEC,
                private_metadata=metadata,
                view_id="V0TWICE02",
            )
            for _ in range(3)
        ]
        assert all(f.result().status == 200 for f in burst)
    figures.add("double_submissions", 4)
    live.settle()
    made = _count(live, case.model) - before
    figures.add("records_doubled", max(0, made - 2))
    assert made == 2, (case.callback_id, made)


def test_corrected_modal_goes_through_after_an_error(live: LiveBot) -> None:
    """An answer with field errors does not use up the view: the fixed form is taken."""
    seed(live)
    metadata = json.dumps({"channel": C_MAIN})
    before = _count(live, Meeting)
    wrong = live.submit(
        "meeting_schedule",
        {"date": {"value": "2027-02-30"}, "time": {"value": "10:00-11:00"}},
        private_metadata=metadata,
        view_id="V0FIXED01",
    )
    assert "errors" in str(wrong.response.body)
    fixed = live.submit(
        "meeting_schedule",
        {"date": {"value": "2027-09-03"}, "time": {"value": "10:00-11:00"}},
        private_metadata=metadata,
        view_id="V0FIXED01",
    )
    assert fixed.status == 200 and "errors" not in str(fixed.response.body)
    live.settle()
    assert _count(live, Meeting) == before + 1


# -- forged and replayed requests ---------------------------------------------------------------

MUTATIONS = {
    "/meeting": "schedule 2027-10-07 10:00-11:00",
    "/agenda": "add 議案 偽造された議題",
    "/materials": "add 議案1 偽造された資料",
    "/minutes": "note 議案1 偽造されたメモ",
    "/decision": "議案1 approved 偽造",
    "/decisions": "電話システム",
}


@pytest.mark.parametrize("forgery", ["bad_signature", "stale"])
def test_forged_or_replayed_requests_get_401_and_do_nothing(live: LiveBot, forgery: str) -> None:
    seed(live)
    before = counts_now(live)
    calls_before = len(live.slack.calls())
    kwargs = {forgery: True}
    for command in commands():
        text = MUTATIONS.get(command, "help")
        for user in (U_SEC, U_MEMBER):
            answer = live.command(command, text, user=user, **kwargs)
            figures.add("rejected_requests")
            assert answer.status == 401, (command, answer.response)
    for build in (
        lambda: payloads.block_actions(ATTEND_ACTION, "1", U_MEMBER, C_MAIN, "1.1"),
        lambda: payloads.view_submission(
            "meeting_schedule",
            {"date": "2027-10-08", "time": "10:00-11:00"},
            U_SEC,
            json.dumps({"channel": C_MAIN}),
        ),
        lambda: payloads.event_callback(payloads.app_mention("<@U0BOT> 決定", U_SEC, C_MAIN)),
    ):
        assert live.post(build(), **kwargs).status == 401
        figures.add("rejected_requests")
    live.settle()
    assert counts_now(live) == before
    assert len(live.slack.calls()) == calls_before


def counts_now(live: LiveBot) -> dict[str, int]:
    with live.deps.session_factory() as session:
        return counts(session)
