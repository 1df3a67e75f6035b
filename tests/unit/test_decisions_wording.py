"""How decisions are worded: status labels by the pending rule, the empty pending list,
English singular/plural and the public version, in both languages."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.answers import pending_text
from bot.decisions import DecisionView, close_decision, record_decision
from bot.deps import Deps
from bot.vocabulary import Outcome
from tests.unit.decision_records import NOW, SEC, make_body, make_item, make_meeting
from tests.unit.test_decisions_answers import TODAY, presenter


def test_status_labels_follow_the_pending_rule(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        meeting = make_meeting(s, make_body(s))

        def decide(title: str, outcome: Outcome, **kw: Any) -> DecisionView:
            item = make_item(s, meeting, title)
            return record_decision(s, item, outcome, actor=SEC, now=NOW, today=TODAY, **kw)

        approved = decide("approved alone", "approved")
        noted_owned = decide("noted with owner", "noted", owner_dept="IT")
        owned_due = decide("approved with owner and due", "approved", owner_dept="IT", due=TODAY)
        reexamine = decide("re-examine", "reexamine")
        closed = close_decision(s, reexamine.id, "done", actor=SEC, now=NOW)
        for lang, pending, done in (("ja", "未完了", "完了"), ("en", "pending", "closed")):
            p = presenter(lang)
            assert p.state(approved) is None and p.state(noted_owned) is None
            assert p.state(reexamine) == pending and p.state(owned_due) == pending
            assert p.state(closed) == done
            assert p.line(owned_due)["overdue"] == ("本日期限" if lang == "ja" else "due today")


def test_empty_pending_list_says_so(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        body = make_body(s)
        ja = pending_text(s, body, presenter("ja"))
        en = pending_text(s, body, presenter("en"))
        assert f"{body.name}に未完了の決定はありません。" in ja
        assert f"{body.name} has no pending decisions." in en


def test_english_overdue_and_hidden_counts_are_singular_or_plural(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        body = make_body(s)
        meeting = make_meeting(s, body)
        for title, due in (("one", date(2027, 5, 9)), ("two", date(2027, 5, 8))):
            record_decision(
                s,
                make_item(s, meeting, title),
                "reexamine",
                actor=SEC,
                now=NOW,
                today=date(2027, 5, 1),
                owner_dept="IT",
                due=due,
            )
        listing = pending_text(s, body, presenter("en"))
        assert "1 day overdue" in listing and "2 days overdue" in listing, listing
        for title in ("three", "four"):
            record_decision(
                s,
                make_item(s, meeting, title, private=True),
                "deferred",
                actor=SEC,
                now=NOW,
                today=TODAY,
            )
        listing = pending_text(s, body, presenter("en"))
        assert "2 non-public decisions are listed" in listing, listing
        assert "(non-public)" in listing and "非公開" not in listing
