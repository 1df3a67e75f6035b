"""Two /decision calls on one item at once leave exactly one current decision (both backends)."""

from __future__ import annotations

import contextlib
import threading
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import bot.decisions
from bot.decisions import record_decision
from bot.deps import Deps
from bot.vocabulary import Outcome
from storage.models import AgendaItem, Decision
from tests.unit.decision_records import NOW, SEC, make_body, make_item, make_meeting

TODAY = date(2027, 5, 10)
WAIT = 1.0  # how long a request that has read the current decision waits for the other


def race(deps: Deps, item_id: int, outcomes: tuple[Outcome, Outcome]) -> list[BaseException]:
    """Record two decisions on ``item_id`` from two threads, each in its own transaction."""
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def one(outcome: Outcome) -> None:
        try:
            start.wait(timeout=10)
            with deps.unit_of_work() as s:
                item = s.get_one(AgendaItem, item_id)
                record_decision(s, item, outcome, actor=SEC, now=NOW, today=TODAY)
        except BaseException as exc:  # reported to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(o,)) for o in outcomes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_decisions_on_one_item_leave_one_current(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    with deps.unit_of_work() as s:
        item_id = make_item(s, make_meeting(s, make_body(s)), "次期電話システムの選定について").id

    # Widen the window between reading the current decision and inserting the next: each
    # request waits (up to WAIT) for the other to have read it too. Without the item lock
    # both read the same current decision; with it, the second cannot read until the first
    # has committed, so the first waits in vain and the second sees its decision.
    real = bot.decisions.current_decision
    both_read = threading.Barrier(2)

    def slow_current(session: Session, item: int) -> Decision | None:
        found = real(session, item)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_read.wait(timeout=WAIT)
        return found

    monkeypatch.setattr(bot.decisions, "current_decision", slow_current)
    rounds: tuple[tuple[Outcome, Outcome], ...] = (
        ("approved", "deferred"),
        ("reexamine", "amended"),
    )
    for outcomes in rounds:
        both_read.reset()
        assert race(deps, item_id, outcomes) == []
        with deps.session_factory() as s:
            rows = s.scalars(
                select(Decision).where(Decision.agenda_item_id == item_id).order_by(Decision.id)
            ).all()
            current = [d for d in rows if d.superseded_by_id is None]
            assert len(current) == 1, [(d.id, d.supersedes_id, d.superseded_by_id) for d in rows]
            # One chain: each decision supersedes the one before it, and only the last is open.
            assert [d.supersedes_id for d in rows] == [None, *(d.id for d in rows[:-1])]
            assert [d.status for d in rows[:-1]] == ["superseded"] * (len(rows) - 1)
            assert current[0].status == "open"
