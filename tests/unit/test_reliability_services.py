"""The submission limit and the audit trail's query, on the real database (both backends)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.audit import MAX_SHOWN, recent_entries, record
from bot.bodies import setup_body
from bot.deps import Deps
from bot.permissions import Actor
from bot.ratelimit import RateLimit, SubmissionRateExceeded, check_submission_rate

RATE = RateLimit(limit=3, window=timedelta(minutes=10))


def _body(deps: Deps, name: str = "本部", user: str = "U0SEC", parent: str | None = None) -> int:
    with deps.unit_of_work() as s:
        return setup_body(
            s,
            name=name,
            channel_id="C0MAIN",
            actor=Actor(user),
            now=deps.clock.now(),
            parent=parent,
        ).id


def _submit(deps: Deps, user: str, body_id: int, at_minutes: float = 0) -> None:
    at = deps.clock.now() + timedelta(minutes=at_minutes)
    with deps.unit_of_work() as s:
        check_submission_rate(s, user, at, body_id=body_id, rate=RATE)
        record(s, at, user, "agenda.submit", body_id, "agenda_item", None)


def test_limit_counts_the_window_and_says_when(deps: Deps) -> None:
    body = _body(deps)
    for minute in (0, 1, 2):
        _submit(deps, "U0MEMBER", body, minute)
    with pytest.raises(SubmissionRateExceeded) as refused, deps.unit_of_work() as s:
        check_submission_rate(s, "U0MEMBER", deps.clock.now() + timedelta(minutes=3), rate=RATE)
    # The first submission (minute 0) leaves the window at minute 10: 7 minutes from minute 3.
    assert refused.value.params == {"minutes": 7, "limit": 3, "window": 10}
    _submit(deps, "U0OTHER", body, 3)  # per user
    _submit(deps, "U0MEMBER", body, 10.5)  # a slot is free again


def test_secretariat_and_other_actions_are_not_limited(deps: Deps) -> None:
    body = _body(deps)
    pt = _body(deps, "PT", parent="本部")
    for _ in range(5):
        _submit(deps, "U0SEC", pt, 0)  # the parent's secretariat runs the PT too
    with deps.unit_of_work() as s:
        for _ in range(5):
            record(s, deps.clock.now(), "U0MEMBER", "minutes.note", body, "note", 1)
        check_submission_rate(s, "U0MEMBER", deps.clock.now(), body_id=body, rate=RATE)


def test_default_limit_applies_where_submissions_are_recorded(deps: Deps) -> None:
    body = _body(deps)
    with pytest.raises(SubmissionRateExceeded), deps.unit_of_work() as s:
        for _ in range(RateLimit().limit + 1):
            record(s, deps.clock.now(), "U0MEMBER", "materials.add", body, "material", 1)
    with deps.unit_of_work() as s:  # the refused unit of work left nothing behind
        assert recent_entries(s, [body], MAX_SHOWN)[0].action == "body.setup"


def test_recent_entries_newest_first_for_the_given_bodies(deps: Deps) -> None:
    main = _body(deps)
    other = _body(deps, "別の本部", user="U0OTHER")
    with deps.unit_of_work() as s:
        for minute in range(5):
            at = deps.clock.now() + timedelta(minutes=minute)
            record(s, at, "U0SEC", "meeting.schedule", main, "meeting", minute + 1)
        record(s, deps.clock.now(), "U0OTHER", "meeting.schedule", other, "meeting", 99)
    with deps.unit_of_work() as s:
        entries = recent_entries(s, [main], 3)
        assert [e.ref for e in entries] == ["M5", "M4", "M3"]
        assert {e.body_id for e in recent_entries(s, [main], 1000)} == {main}
        assert len(recent_entries(s, [main, other], 1000)) == 8
        assert recent_entries(s, [main], 0)  # at least one
