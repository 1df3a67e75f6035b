"""The decision register on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.decisions import (
    close_decision,
    pending_decisions,
    pending_for_user,
    record_decision,
    resolve_item,
)
from bot.deps import Deps
from bot.errors import Forbidden, NotFound, UserError
from bot.permissions import Actor
from bot.vocabulary import parse_ref
from storage.models import AuditEntry, Body, Decision
from tests.unit.decision_records import NOW, SEC, make_body, make_item, make_meeting

TODAY = date(2027, 5, 10)


def test_record_keeps_outcome_owner_due_and_audits(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        body = make_body(s)
        item = make_item(s, make_meeting(s, body), "次期電話システムの選定について")
        view = record_decision(
            s,
            item,
            "reexamine",
            actor=SEC,
            now=NOW,
            today=TODAY,
            text="費用比較を追加して再提出",
            owner_user_id="U0MEMBER",
            due=date(2027, 6, 1),
        )
        assert view.ref == f"D{view.id}"
        assert (view.outcome, view.owner_user_id, view.due_date) == (
            "reexamine",
            "U0MEMBER",
            date(2027, 6, 1),
        )
        assert view.pending and view.meeting.number == 1
        assert s.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "decision")) == (
            "decision.record"
        )


def test_only_secretariat_records_and_nothing_is_written(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        body_id = make_body(s).id
        item_id = make_item(s, make_meeting(s, s.get_one(Body, body_id)), "件名").id
    with pytest.raises(Forbidden), deps.unit_of_work() as s:
        item = resolve_item(s, s.get_one(Body, body_id), parse_ref(f"A{item_id}"), NOW)
        record_decision(s, item, "approved", actor=Actor("U0MEMBER"), now=NOW, today=TODAY)
    with deps.unit_of_work() as s:
        assert s.scalar(select(Decision.id)) is None
    with deps.unit_of_work() as s:
        item = resolve_item(s, s.get_one(Body, body_id), parse_ref(f"A{item_id}"), NOW)
        admin = Actor("U0ADMIN", admin_lookup=lambda: True)
        assert record_decision(s, item, "approved", actor=admin, now=NOW, today=TODAY).id


def test_redeciding_supersedes_and_keeps_history(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        body = make_body(s)
        item = make_item(s, make_meeting(s, body), "予算案")
        first = record_decision(s, item, "deferred", actor=SEC, now=NOW, today=TODAY)
        second = record_decision(s, item, "approved", actor=SEC, now=NOW, today=TODAY)
        old = s.get(Decision, first.id)
        assert old is not None
        assert (old.superseded_by_id, old.status) == (second.id, "superseded")
        assert second.supersedes_id == first.id
        assert pending_decisions(s, body) == []
        with pytest.raises(UserError) as caught:
            close_decision(s, first.id, None, actor=SEC, now=NOW)
        assert caught.value.key == "decision.superseded"


def test_close_by_owner_or_secretariat_only(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        body = make_body(s)
        item = make_item(s, make_meeting(s, body), "件名")
        view = record_decision(
            s,
            item,
            "approved",
            actor=SEC,
            now=NOW,
            today=TODAY,
            owner_user_id="U0MEMBER",
            due=date(2027, 6, 1),
        )
        with pytest.raises(Forbidden):
            close_decision(s, view.id, None, actor=Actor("U0OTHER"), now=NOW)
        closed = close_decision(s, view.id, "対応済み", actor=Actor("U0MEMBER"), now=NOW)
        assert (closed.status, closed.resolution, closed.pending) == ("closed", "対応済み", False)
        with pytest.raises(UserError) as caught:
            close_decision(s, view.id, None, actor=SEC, now=NOW)
        assert caught.value.key == "decision.already_closed"
        with pytest.raises(NotFound):
            close_decision(s, 999, None, actor=SEC, now=NOW)


def test_pending_rules_and_order_across_sub_bodies(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        body = make_body(s)
        pt = make_body(s, "標準化PT", parent=body.name)
        m, pm = make_meeting(s, body), make_meeting(s, pt, days_ago=7)

        def decide(title: str, outcome: str, **kw: object) -> int:
            item = make_item(s, pm if kw.pop("pt", False) else m, title)
            return record_decision(
                s,
                item,
                outcome,  # type: ignore[arg-type]
                actor=SEC,
                now=NOW,
                today=TODAY,
                **kw,  # type: ignore[arg-type]
            ).id

        approved_plain = decide("承認のみ", "approved")
        reexamine = decide("再検討（期限なし）", "reexamine")
        owned_late = decide("担当つき", "approved", owner_dept="情報管理課", due=date(2027, 5, 20))
        owned_early = decide(
            "PT案件", "noted", owner_user_id="U0MEMBER", due=date(2027, 5, 12), pt=True
        )
        owner_no_due = decide("期限なし担当", "approved", owner_user_id="U0MEMBER")
        pending = pending_decisions(s, body)
        assert [v.id for v in pending] == [owned_early, owned_late, reexamine]
        assert approved_plain not in [v.id for v in pending]
        assert owner_no_due not in [v.id for v in pending]
        assert [v.id for v in pending_decisions(s, pt)] == [owned_early]
        assert pending[0].overdue_days(date(2027, 5, 15)) == 3
        assert pending[0].overdue_days(date(2027, 5, 11)) == 0
        assert [v.id for v in pending_for_user(s, "U0MEMBER")] == [owned_early]


def test_bad_records_are_refused(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        body = make_body(s)
        meeting = make_meeting(s, body)
        item = make_item(s, meeting, "件名")
        with pytest.raises(UserError) as caught:
            record_decision(
                s, item, "approved", actor=SEC, now=NOW, today=TODAY, due=date(2027, 5, 1)
            )
        assert caught.value.key == "decision.due_in_past"
        item.status = "withdrawn"
        with pytest.raises(UserError) as caught:
            record_decision(s, item, "approved", actor=SEC, now=NOW, today=TODAY)
        assert caught.value.key == "decision.item_withdrawn"
        with pytest.raises(NotFound):
            resolve_item(s, body, parse_ref("A999"), NOW)


def test_resolve_item_by_kind_and_number_in_last_held_meeting(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        body = make_body(s)
        old = make_meeting(s, body, days_ago=60)
        last = make_meeting(s, body, days_ago=3)
        make_item(s, old, "古い議案")
        wanted = make_item(s, last, "新しい議案")
        make_item(s, last, "報告", kind="report")
        assert resolve_item(s, body, parse_ref("議案1"), NOW).id == wanted.id
        assert resolve_item(s, body, parse_ref("議案1"), NOW, parse_ref(f"M{old.id}")).title == (
            "古い議案"
        )
        with pytest.raises(NotFound) as caught:
            resolve_item(s, body, parse_ref("議案5"), NOW)
        assert caught.value.key == "decision.item_not_in_meeting"
