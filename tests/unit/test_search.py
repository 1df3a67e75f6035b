"""Search: content words, the index kept in step with the records, and index-only lookups."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, func, select, text, update
from sqlalchemy.orm import Session

from bot.decisions import record_decision
from bot.deps import Deps
from bot.search import (
    closest_titles,
    content_terms,
    reindex_decision,
    reindex_item,
    reindex_note,
    search_decisions,
)
from bot.search.lookup import term_statement
from bot.search.terms import QueryTerm
from storage.models import AgendaItem, Decision, Note, SearchTerm
from tests.conftest import Database
from tests.unit.decision_records import NOW, SEC, make_body, make_item, make_meeting

TODAY = date(2027, 5, 10)


def surfaces(question: str) -> list[str]:
    return [t.surface for t in content_terms(question)]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("電話システムについて何が決まった？", ["電話システム"]),
        ("オンライン化の件はどうなった", ["オンライン化"]),
        ("what was decided about the phone system?", ["decided", "phone", "system"]),
        ("what did we decide on online procedures", ["decide", "online", "procedures"]),
        ("ＧｏｖＴｅｃｈ東京との連携は", ["govtech", "東京", "連携"]),
        ("電話", ["電話"]),
        ("予", ["予"]),
        ("件", ["件"]),  # one word stays, even a word that frames questions
        ("何が決まった？", []),
        ("PHONE", ["phone"]),
    ],
)
def test_questions_reduce_to_content_words(question: str, expected: list[str]) -> None:
    assert surfaces(question) == expected


def test_compound_keeps_its_parts_for_fallback() -> None:
    (term,) = content_terms("予算案")
    assert [p.surface for p in term.parts] == ["予算", "案"]


def _decide(s: Session, title: str, text: str | None = None, **item: object) -> tuple[int, int]:
    body = make_body(s) if not s.query(AgendaItem).count() else None
    meeting = make_meeting(s, body) if body else s.scalars(select(AgendaItem)).first().meeting  # type: ignore[union-attr]
    made = make_item(s, meeting, title, **item)  # type: ignore[arg-type]
    view = record_decision(s, made, "approved", actor=SEC, now=NOW, today=TODAY, text=text)
    return made.id, view.id


def found(s: Session, question: str) -> list[int]:
    return [m.decision_id or 0 for m in search_decisions(s, question).decisions]


def test_width_case_and_single_kanji(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        _, phone = _decide(s, "次期電話システムの選定について", "Phone system: compare vendors")
        _, budget = _decide(s, "令和9年度予算の編成方針")
        _, stay = _decide(s, "執行猶予")  # 予 as the last character of a run
        assert found(s, "電話") == [phone]
        assert found(s, "ｼｽﾃﾑ") == [phone]
        assert found(s, "ＰＨＯＮＥ") == [phone]
        assert found(s, "what was decided about the phone system?") == [phone]
        assert found(s, "予算") == [budget]
        assert sorted(found(s, "予")) == sorted([budget, stay])
        assert found(s, "ロケット") == []


def test_index_follows_changes_in_the_same_transaction(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        item_id, decision_id = _decide(s, "庁舎の空調更新", "夏までに工事")
        note = Note(
            agenda_item_id=item_id, text="省エネ型にする意見", author_id="U0X", created_at=NOW
        )
        s.add(note)
        s.flush()
        assert found(s, "省エネ") == [decision_id]
        item = s.get_one(AgendaItem, item_id)
        item.title = "庁舎の照明更新"
        s.get_one(Decision, decision_id).text = "秋までに工事"
        s.flush()
        assert found(s, "空調") == []
        assert found(s, "照明") == [decision_id]
        assert found(s, "秋まで") == [decision_id] and found(s, "夏まで") == []
        note.deleted = True
        s.flush()
        assert found(s, "省エネ") == []
    with pytest.raises(RuntimeError), deps.unit_of_work() as s:
        s.get_one(AgendaItem, item_id).title = "ロールバックされる件名"
        s.flush()
        raise RuntimeError("abandon the unit of work")
    with deps.unit_of_work() as s:
        assert found(s, "ロールバック") == []
        assert found(s, "照明") == [decision_id]


def test_reindex_functions_after_bulk_updates(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        item_id, decision_id = _decide(s, "公用車の更新", "電気自動車")
        note = Note(agenda_item_id=item_id, text="充電設備", author_id="U0X", created_at=NOW)
        s.add(note)
        s.flush()
        # Core statements bypass the ORM hook; the reindex functions catch up.
        s.execute(update(AgendaItem).where(AgendaItem.id == item_id).values(title="公用自転車"))
        s.execute(update(Decision).where(Decision.id == decision_id).values(text="電動アシスト"))
        s.execute(update(Note).where(Note.id == note.id).values(text="駐輪場"))
        assert found(s, "自転車") == []
        reindex_item(s, item_id)
        reindex_decision(s, decision_id)
        reindex_note(s, note.id)
        assert found(s, "自転車") == found(s, "電動") == found(s, "駐輪場") == [decision_id]
        assert found(s, "電気自動車") == found(s, "充電") == []


def test_non_matching_question_offers_closest_titles(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        phone_item, phone = _decide(s, "次期電話システムの選定について")
        other_item = make_item(s, s.get_one(AgendaItem, phone_item).meeting, "電話交換機の保守")
        assert found(s, "システマ") == []
        assert closest_titles(s, "システマ") == [phone_item]  # shares シス and ステ
        assert found(s, "でんわ") == [phone]  # Sudachi reads でんわ as 電話
        assert other_item.id in closest_titles(s, "電話")


def test_results_are_ranked_best_first(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        _, both = _decide(s, "電話システムの更新")
        _, one = _decide(s, "会計システムの更新")
        _, in_text = _decide(s, "庁内通信の整備", "電話の台数を見直す")
        result = found(s, "電話システム")
        assert result[0] == both
        assert one not in result  # the compound matched as a whole; parts are not needed
        assert found(s, "電話")[:2] == [both, in_text]


def _plan(s: Session, db: Database, term: QueryTerm) -> str:
    statement = term_statement(term)
    sql = str(statement.compile(s.get_bind(), compile_kwargs={"literal_binds": True}))
    if db.backend == "sqlite":
        rows = s.execute(text("EXPLAIN QUERY PLAN " + sql)).all()
        return "\n".join(str(row[-1]) for row in rows)
    s.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(str(row[0]) for row in s.execute(text("EXPLAIN " + sql)).all())


@pytest.mark.parametrize(
    "term",
    [
        QueryTerm("電話システム", english=False, norm="電話システム"),
        QueryTerm("電話", english=False, norm="電話"),
        QueryTerm("予", english=False),
        QueryTerm("phone", english=True),
    ],
    ids=["long", "two-kanji", "one-kanji", "english"],
)
def test_lookups_search_the_index_never_scan_the_table(
    deps: Deps, db: Database, term: QueryTerm
) -> None:
    with deps.unit_of_work() as s:
        for n in range(30):
            _decide(s, f"電話システム予算{n}", "phone system")
        assert s.scalar(select(func.count()).select_from(SearchTerm)) > 100
        if db.backend == "postgresql":
            s.execute(text("ANALYZE search_terms"))
        plan = _plan(s, db, term)
    if db.backend == "sqlite":
        lines = [line for line in plan.splitlines() if "search_terms" in line]
        assert lines, plan
        assert all(line.startswith("SEARCH") and "INDEX" in line for line in lines), plan
    else:
        assert "Seq Scan on search_terms" not in plan, plan
        assert "Index" in plan, plan


def test_many_matches_cost_two_statements_and_return_only_the_limit(deps: Deps) -> None:
    """Scoring and the limit are done by the database: however many records a word matches,
    the search runs two statements, and the undecided item is found among decided ones."""
    with deps.unit_of_work() as s:
        made = [_decide(s, f"電話の件{n}") for n in range(12)]
        ids = [decision for _, decision in made]
        meeting = s.get_one(AgendaItem, made[0][0]).meeting
        undecided = make_item(s, meeting, "電話の配線")
        s.flush()
        statements: list[str] = []
        bind = s.get_bind()
        listen = event.listens_for(bind, "before_cursor_execute")

        @listen
        def _count(*args: object) -> None:
            statements.append(str(args[2]))

        try:
            result = search_decisions(s, "電話", limit=3)
        finally:
            event.remove(bind, "before_cursor_execute", _count)
    queries = [q for q in statements if not q.startswith("SET LOCAL")]  # PostgreSQL: no JIT
    assert len(queries) == 2, statements
    assert [m.decision_id for m in result.decisions] == ids[:-4:-1]  # equal scores: newest first
    assert [m.item_id for m in result.undecided] == [undecided.id]


def test_an_item_is_undecided_until_its_decision_is_recorded(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        meeting = make_meeting(s, make_body(s))
        item = make_item(s, meeting, "電話交換機の保守")
        other = make_item(s, meeting, "電話回線の増設")
        s.flush()
        result = search_decisions(s, "電話")
        assert result.decisions == ()
        assert [m.item_id for m in result.undecided] == [other.id, item.id]
        view = record_decision(s, item, "approved", actor=SEC, now=NOW, today=TODAY)
        result = search_decisions(s, "電話")
        assert [m.decision_id for m in result.decisions] == [view.id]
        assert [m.item_id for m in result.undecided] == [other.id]
        # A bulk change that bypassed the hooks is caught up by reindexing.
        s.execute(update(Decision).where(Decision.id == view.id).values(agenda_item_id=other.id))
        reindex_item(s, item.id)
        reindex_item(s, other.id)
        reindex_decision(s, view.id)
        result = search_decisions(s, "電話")
        assert [m.item_id for m in result.decisions] == [other.id]
        assert [m.item_id for m in result.undecided] == [item.id]


def test_best_decided_found_behind_many_undecided_and_out_of_scope(deps: Deps) -> None:
    """The ranking reads a few best candidates first; when newer undecided or out-of-scope
    items fill them, it reads further rather than miss the decided one."""
    with deps.unit_of_work() as s:
        body, other_body = make_body(s), make_body(s, name="別の本部")
        meeting, elsewhere = make_meeting(s, body), make_meeting(s, other_body)
        old = make_item(s, meeting, "電話の契約")
        view = record_decision(s, old, "approved", actor=SEC, now=NOW, today=TODAY)
        newer = [make_item(s, meeting, f"電話の件{n}") for n in range(12)]
        for n in range(12):
            far = make_item(s, elsewhere, f"電話の更新{n}")
            record_decision(s, far, "approved", actor=SEC, now=NOW, today=TODAY)
        s.flush()
        result = search_decisions(s, "電話", body_ids=[body.id], limit=1)
        assert [m.decision_id for m in result.decisions] == [view.id]
        assert [m.item_id for m in result.undecided] == [newer[-1].id]
