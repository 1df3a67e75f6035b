"""Looking up decisions by a question, best matches first.

Each content word of the question is looked up on the index alone (an ``IN`` list of its
bigrams with a ``HAVING`` count, its normalised form, or a prefix range for one kanji), so no
query reads the whole table. Matches are gathered per agenda item: a word found in the title
counts more than one found in a decision's text, a summary or a note, and a word found in
few items counts more than a common one.

The scoring, the scope and the limit are done by the database, so a question costs two
statements however many records its words match (one counting each word's visible items,
again for the parts of a compound that matched nothing, and one ranking), and only the shown
results come back to Python. Scores are sums of integers (each word's rarity, fixed in
Python, times its field's weight) and ties break by id, so SQLite and PostgreSQL rank exactly
alike.

Items the asker may not see (non-public items of bodies the ``clearance`` does not allow)
are left out of every word's matches before anything else is decided from them (whether a
compound falls back to its parts, how rare a word is, the relative cut-off): otherwise the
visible results would shift with hidden text, and repeated questions could confirm what a
closed item says.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    case,
    cast,
    func,
    literal,
    not_,
    select,
    text,
    union,
    union_all,
)
from sqlalchemy.orm import Session

from bot.disclosure import Clearance, hidden_clause
from bot.search.index import DECISION, NOTE, SUMMARY, TITLE
from bot.search.terms import QueryTerm, content_terms
from storage.models import AgendaItem, Decision, Meeting, Note, SearchTerm

# Field weights in tenths (title 1.0, decision 0.9, summary 0.7, note 0.5): integers, so that
# sums are exact on both databases.
FIELD_WEIGHT = {TITLE: 10, DECISION: 9, SUMMARY: 7, NOTE: 5}
RARITY_SCALE = 10**8  # a word's rarity as an integer; score = Σ weight × rarity / 10⁹
SCORE_SCALE = 10 * RARITY_SCALE
RELATIVE_CUTOFF = 0.5  # a result must score at least half the best one
MAX_TERMS = 12  # a pasted paragraph is not a question: its first words are enough


@dataclass(frozen=True)
class ItemMatch:
    """An agenda item that matched, its score and its current decision (if any)."""

    item_id: int
    score: float
    decision_id: int | None


@dataclass(frozen=True)
class SearchResult:
    """What a question found: the words looked up, matched decisions, and near titles."""

    terms: tuple[str, ...]
    decisions: tuple[ItemMatch, ...]
    undecided: tuple[ItemMatch, ...]


def term_statement(term: QueryTerm, *, distinct: bool = True) -> Any:
    """The index lookup for one term: the (doc_kind, doc_id) pairs that contain it (or None
    when the term has nothing to look up). ``distinct=False`` may repeat a pair (cheaper,
    for a caller that groups them anyway)."""
    parts: list[Any] = []
    doc = (SearchTerm.doc_kind, SearchTerm.doc_id)
    if len(term.bigrams) == 1:  # a document holds a token once: nothing to count
        parts.append(select(*doc).where(SearchTerm.token == term.bigrams[0]))
    elif term.bigrams:
        parts.append(
            select(*doc)
            .where(SearchTerm.token.in_(term.bigrams))
            .group_by(*doc)
            .having(func.count() == len(term.bigrams))
        )
    if term.prefix_range:
        low, high = term.prefix_range
        parts.append(select(*doc).where(SearchTerm.token >= low, SearchTerm.token < high))
    for token in (term.norm_token, term.word_token):
        if token:
            parts.append(select(*doc).where(SearchTerm.token == token))
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return select((union(*parts) if distinct else union_all(*parts)).subquery())


def _no_jit(session: Session) -> None:
    """PostgreSQL compiles a statement whose estimated cost passes ``jit_above_cost``: for
    these (many index probes, few milliseconds of work) compiling alone took 10-20 ms."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def _hidden(clearance: Clearance | None) -> ColumnElement[bool] | None:
    return None if clearance is None else hidden_clause(clearance)


def _term_items(term: QueryTerm, hidden: ColumnElement[bool] | None) -> Any:
    """The visible items holding ``term``, each with its best field's weight (a subquery
    with columns ``item_id`` and ``weight``), or None when there is nothing to look up."""
    statement = term_statement(term, distinct=False)
    if statement is None:
        return None
    docs = statement.subquery()
    # Scalar subqueries rather than outer joins: evaluated only for their own kind of row.
    item_id = case(
        (
            docs.c.doc_kind == DECISION,
            select(Decision.agenda_item_id).where(Decision.id == docs.c.doc_id).scalar_subquery(),
        ),
        (
            docs.c.doc_kind == NOTE,
            select(Note.agenda_item_id).where(Note.id == docs.c.doc_id).scalar_subquery(),
        ),
        else_=docs.c.doc_id,
    )
    weight = case(
        *((docs.c.doc_kind == kind, literal(w, Integer)) for kind, w in FIELD_WEIGHT.items()),
        else_=literal(0, Integer),
    )
    query = select(item_id.label("item_id"), weight.label("weight")).select_from(docs)
    if hidden is not None:
        query = (
            query.join(AgendaItem, AgendaItem.id == item_id)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(not_(hidden))
        )
    rows = query.subquery()
    # Grouped outside: PostgreSQL would not match a CASE with bound values in GROUP BY.
    query = (
        select(rows.c.item_id, func.max(rows.c.weight).label("weight"))
        .where(rows.c.item_id.is_not(None))
        .group_by(rows.c.item_id)
    )
    return query.subquery()


def _effective_terms(
    session: Session, terms: Sequence[QueryTerm], hidden: ColumnElement[bool] | None
) -> list[tuple[Any, int]]:
    """The looked-up words with the number of visible items each matches, in question order;
    a compound that matches no visible item as a whole is replaced by its parts."""
    level = list(terms)
    found: dict[int, tuple[Any, int]] = {}
    while level:
        counted = [(t, _term_items(t, hidden)) for t in level]
        counts = [
            select(literal(n, Integer).label("n"), func.count().label("c")).select_from(items)
            for n, (_, items) in enumerate(counted)
            if items is not None
        ]
        by_position = dict(session.execute(union_all(*counts)).all()) if counts else {}
        next_level: list[QueryTerm] = []
        for n, (term, items) in enumerate(counted):
            count = int(by_position.get(n, 0))
            if count:
                found[id(term)] = (items, count)
            elif term.parts:
                next_level.extend(term.parts)
        level = next_level
    return _in_question_order(terms, found)


def _in_question_order(
    terms: Sequence[QueryTerm], found: dict[int, tuple[Any, int]]
) -> list[tuple[Any, int]]:
    result: list[tuple[Any, int]] = []
    for term in terms:
        if id(term) in found:
            result.append(found[id(term)])
        else:
            result.extend(_in_question_order(term.parts, found))
    return result


def search_decisions(
    session: Session,
    question: str,
    *,
    body_ids: Collection[int] | None = None,
    limit: int = 5,
    clearance: Clearance | None = None,
) -> SearchResult:
    """The decisions whose item, text or notes match ``question``, best first.

    Args:
        question: free text in Japanese or English; reduced to its content words.
        body_ids: the bodies to search (a body and its sub-bodies); None searches all.
        limit: the most decisions (and undecided items) returned.
        clearance: where the answer is shown; non-public items of bodies it does not allow
            are never matched. None matches every item.

    Returns:
        The words looked up, the matching items with a current decision (best first), and
        matching items that have no decision yet (best first).
    """
    terms = content_terms(question)[:MAX_TERMS]
    hidden = _hidden(clearance)
    _no_jit(session)
    matched = _effective_terms(session, terms, hidden)
    decided: list[ItemMatch] = []
    undecided: list[ItemMatch] = []
    if matched:
        for item_id, total, decision_id in session.execute(_ranked(matched, body_ids, limit)):
            match = ItemMatch(int(item_id), int(total) / SCORE_SCALE, decision_id)
            (undecided if decision_id is None else decided).append(match)
    if decided:
        best = decided[0].score
        decided = [m for m in decided if m.score >= best * RELATIVE_CUTOFF]
    return SearchResult(
        terms=tuple(t.surface for t in terms),
        decisions=tuple(decided),
        undecided=tuple(undecided),
    )


def _ranked(matched: list[tuple[Any, int]], body_ids: Collection[int] | None, limit: int) -> Any:
    """The best ``limit`` in-scope items with a current decision and the best ``limit``
    without one: (item id, integer score, current decision id), best first."""
    parts = []
    for items, count in matched:
        rarity = round(RARITY_SCALE / (1.0 + math.log(count)))
        parts.append(
            select(
                items.c.item_id,
                (cast(items.c.weight, BigInteger) * literal(rarity, BigInteger)).label("points"),
            )
        )
    points = union_all(*parts).subquery()
    totals = (
        select(points.c.item_id, func.sum(points.c.points).label("total"))
        .group_by(points.c.item_id)
        .subquery()
    )
    current = (
        select(func.max(Decision.id))
        .where(Decision.agenda_item_id == totals.c.item_id, Decision.superseded_by_id.is_(None))
        .scalar_subquery()
    )
    scoped = (
        select(totals.c.item_id, totals.c.total, current.label("decision_id"))
        .join(AgendaItem, AgendaItem.id == totals.c.item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
    )
    if body_ids is not None:
        scoped = scoped.where(Meeting.body_id.in_(sorted(body_ids)))
    inner = scoped.subquery()
    rank = (
        func.row_number()
        .over(
            partition_by=case((inner.c.decision_id.is_(None), 0), else_=1),
            order_by=(inner.c.total.desc(), inner.c.item_id.desc()),
        )
        .label("rank")
    )
    ranked = select(inner.c.item_id, inner.c.total, inner.c.decision_id, rank).subquery()
    return (
        select(ranked.c.item_id, ranked.c.total, ranked.c.decision_id)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.total.desc(), ranked.c.item_id.desc())
    )


def closest_titles(
    session: Session,
    question: str,
    *,
    body_ids: Collection[int] | None = None,
    limit: int = 3,
    clearance: Clearance | None = None,
) -> list[int]:
    """Items whose titles share the most index tokens with ``question`` (for "did you mean").

    Any single shared bigram, form or stem counts, so this finds near titles when no item
    holds every word of the question. Items the ``clearance`` may not show are left out
    before the best are chosen, so they never take the place of a visible title.
    """
    tokens: set[str] = set()
    for term in content_terms(question):
        for t in (term, *term.parts):
            tokens.update(t.bigrams)
            tokens.update(x for x in (t.norm_token, t.word_token) if x)
    if not tokens:
        return []
    shared = (
        select(SearchTerm.doc_id, func.count().label("shared"))
        .where(SearchTerm.token.in_(sorted(tokens)), SearchTerm.doc_kind == TITLE)
        .group_by(SearchTerm.doc_id)
        .subquery()
    )
    query = (
        select(shared.c.doc_id)
        .join(AgendaItem, AgendaItem.id == shared.c.doc_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .order_by(shared.c.shared.desc(), shared.c.doc_id.desc())
        .limit(limit)
    )
    if body_ids is not None:
        query = query.where(Meeting.body_id.in_(sorted(body_ids)))
    hidden = _hidden(clearance)
    if hidden is not None:
        query = query.where(not_(hidden))
    return [int(i) for i in session.scalars(query)]
