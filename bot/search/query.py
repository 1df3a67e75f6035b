"""Looking up decisions by a question, best matches first.

Each content word of the question is looked up on the index alone (its bigrams joined on
the document, its normalised form, or a prefix range for one kanji), so no query reads the
whole table, and every index row names its document's agenda item and field weight, so no
match is looked up in the records. Matches are gathered per agenda item: a word found in the
title counts more than one found in a decision's text, a summary or a note, and a word found
in few items counts more than a common one.

A question costs two statements however many records its words match (and one more for a
search scoped to some bodies, naming their meetings): one counting each word's visible items
(again for the parts of a compound that matched nothing), one ranking. A question of one word
ranks field by field, newest first, so the ranking reads each field's best few documents off
the index and stops; several words are scored in one pass over their matches. Only the
best-scored candidates are joined to their current decision; undecided items are found
through their ``u:`` index rows, so a word matching thousands of decided items does not look
up thousands of decisions. Scores are sums of integers (each word's rarity, fixed in Python,
times its field's weight) and ties break by id, so SQLite and PostgreSQL rank exactly alike.

Items the asker may not see (non-public items of bodies the ``clearance`` does not allow)
are left out of every word's matches before anything else is decided from them (whether a
compound falls back to its parts, how rare a word is, the relative cut-off): otherwise the
visible results would shift with hidden text, and repeated questions could confirm what a
closed item says.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    union,
    union_all,
)
from sqlalchemy.orm import Session

from bot.disclosure import Clearance
from bot.search.index import FIELD_WEIGHT, UNDECIDED
from bot.search.lookup import Filters, term_statement
from bot.search.terms import QueryTerm, content_terms
from storage.models import AgendaItem, Decision, Meeting, SearchTerm

__all__ = [
    "FIELD_WEIGHT",
    "ItemMatch",
    "SearchResult",
    "search_decisions",
    "term_statement",
]

RARITY_SCALE = 10**8  # a word's rarity as an integer; score = Σ weight × rarity / 10⁹
SCORE_SCALE = 10 * RARITY_SCALE
RELATIVE_CUTOFF = 0.5  # a result must score at least half the best one
MAX_TERMS = 12  # a pasted paragraph is not a question: its first words are enough
CANDIDATES = 4  # best-scored rows read per result wanted, before looking for more
_TERMS: Any = SearchTerm.__table__


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


# Up to this many hidden items are left out by their ids (the fastest); more by a subquery,
# since each id is a bound parameter of every look-up and SQLite allows 32,766 a statement.
HIDDEN_AS_LIST = 200


def _hidden_items(session: Session, clearance: Clearance | None) -> list[int] | Any | None:
    """The items ``clearance`` may not show, for every look-up to leave out: their ids when
    they are few, else a subquery of them; None when nothing is hidden.

    The same items as :func:`bot.disclosure.hidden_clause`, found from the non-public
    meetings (by their items' meeting index) and the private items (by their own index), so
    no statement reads every item.
    """
    if clearance is None or clearance.everything:
        return None
    closed = select(Meeting.id).where(
        or_(Meeting.disclosure != "public", Meeting.minutes_disclosure != "public")
    )
    private = (
        select(AgendaItem.id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.private.is_(True))
    )
    if clearance.body_ids:
        allowed = sorted(clearance.body_ids)
        closed = closed.where(Meeting.body_id.not_in(allowed))
        private = private.where(Meeting.body_id.not_in(allowed))
    hidden = union(select(AgendaItem.id).where(AgendaItem.meeting_id.in_(closed)), private)
    ids = session.scalars(select(hidden.subquery().c.id).limit(HIDDEN_AS_LIST + 1)).all()
    if len(ids) <= HIDDEN_AS_LIST:
        return sorted(int(i) for i in ids)
    return select(hidden.subquery().c.id)


def _scope_items(session: Session, body_ids: Collection[int] | None) -> Any | None:
    """The items of the bodies ``body_ids`` (None: all), as a subquery on the items' meeting
    index: the bodies' meetings are few and named, so no statement joins for it."""
    if body_ids is None:
        return None
    meetings = select(Meeting.id).where(Meeting.body_id.in_(sorted(body_ids)))
    meeting_ids = sorted(int(i) for i in session.scalars(meetings))
    return select(AgendaItem.id).where(AgendaItem.meeting_id.in_(meeting_ids))


# PostgreSQL's planner settings for the search's statements (restored after it): JIT compiling
# and parallel workers cost more than these few milliseconds of index reads, and the look-ups
# are written driver first (join order kept: planning a word of five bigrams in every possible
# order took longer than running it).
_PLANNER = {"jit": "off", "max_parallel_workers_per_gather": "0", "join_collapse_limit": "1"}
# A statement that reads all of a word's documents (counting, scoring several words) merges
# its bigrams in item order rather than probing one document at a time; reading a word's
# best few (one word's ranking), probing is right.
_FULL_PASS = {"enable_nestloop": "off"}


@contextmanager
def _planner_settings(session: Session, settings: dict[str, str]) -> Iterator[None]:
    if not settings or session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.execute(text("; ".join(f"SET LOCAL {k} = {v}" for k, v in settings.items())))
    yield
    # Not after an error: the transaction is then rolled back, and SET LOCAL with it.
    session.execute(text("; ".join(f"SET LOCAL {k} = DEFAULT" for k in settings)))


def _effective_terms(
    session: Session, terms: Sequence[QueryTerm], filters: Filters
) -> tuple[list[tuple[QueryTerm, int]], list[int]]:
    """The looked-up words with the number of visible items each matches, in question order
    (a compound that matches no visible item as a whole is replaced by its parts), and the
    items without a current decision (read with the first counts: they are few)."""
    level = list(terms)
    found: dict[int, tuple[QueryTerm, int]] = {}
    undecided: list[int] | None = None
    merge = session.get_bind().dialect.name == "sqlite"
    while level:
        counts = []
        for n, term in enumerate(level):
            items = _distinct_items(filters.parts(term), merge=merge)
            if items is not None:
                counted = select(literal(n, Integer).label("n"), func.count().label("c"))
                counts.append(counted.select_from(items))
        if undecided is None:
            marks = select(literal(-1, Integer).label("n"), _TERMS.c.item_id.label("c"))
            counts.append(marks.where(_TERMS.c.token == UNDECIDED))
        by_position: dict[int, int] = {}
        marked: list[int] = []
        for n, c in session.execute(union_all(*counts)).all() if counts else []:
            if n < 0:
                marked.append(int(c))
            else:
                by_position[int(n)] = int(c)
        if undecided is None:
            undecided = marked
        next_level: list[QueryTerm] = []
        for n, term in enumerate(level):
            count = by_position.get(n, 0)
            if count:
                found[id(term)] = (term, count)
            elif term.parts:
                next_level.extend(term.parts)
        level = next_level
    return _in_question_order(terms, found), undecided or []


def _distinct_items(parts: list[Any], *, merge: bool) -> Any:
    """A subquery of the distinct items of ``parts`` (None if there are none). SQLite merges
    the look-ups, each read in item order, instead of sorting all their rows; PostgreSQL
    hashes them."""
    if not parts:
        return None
    items = [part.with_only_columns(part.selected_columns.item_id) for part in parts]
    if merge and len(items) > 1:
        return union(*items).order_by(items[0].selected_columns.item_id).subquery()
    return union(*items).subquery() if len(items) > 1 else items[0].distinct().subquery()


def _in_question_order(
    terms: Sequence[QueryTerm], found: dict[int, tuple[QueryTerm, int]]
) -> list[tuple[QueryTerm, int]]:
    result: list[tuple[QueryTerm, int]] = []
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
    decided: list[ItemMatch] = []
    undecided: list[ItemMatch] = []
    with _planner_settings(session, _PLANNER):
        hidden = _hidden_items(session, clearance) if terms else None
        with _planner_settings(session, _FULL_PASS):
            matched, marked = _effective_terms(session, terms, Filters(hidden))
        if matched:
            filters = Filters(hidden, _scope_items(session, body_ids))
            decided, undecided = _ranked(session, matched, marked, filters, limit)
    if decided:
        best = decided[0].score
        decided = [m for m in decided if m.score >= best * RELATIVE_CUTOFF]
    return SearchResult(
        terms=tuple(t.surface for t in terms),
        decisions=tuple(decided),
        undecided=tuple(undecided),
    )


def _ranked(
    session: Session,
    matched: list[tuple[QueryTerm, int]],
    marked: list[int],
    filters: Filters,
    limit: int,
) -> tuple[list[ItemMatch], list[ItemMatch]]:
    """The best ``limit`` in-scope items with a current decision and the best ``limit``
    without one, best first (highest score, then newest item)."""
    rarities = [round(RARITY_SCALE / (1.0 + math.log(count))) for _, count in matched]
    wanted = CANDIDATES * (limit + 1)
    merge = session.get_bind().dialect.name == "sqlite"  # see Filters.docs
    while True:
        arms = _best(matched, rarities, filters, wanted, merge=merge)
        if marked:  # every undecided match, scored (looked up by item: they are few)
            arms.append(_scored(matched, rarities, filters, among=marked))
        parts = [
            select(literal(n, Integer).label("part"), q.c.item_id, q.c.total,
                   _current_decision(q.c.item_id).label("decision_id"))
            for n, q in enumerate(arms)
        ]  # fmt: skip
        read: list[list[Any]] = [[] for _ in arms]
        with _planner_settings(session, _FULL_PASS if len(matched) > 1 else {}):
            for row in session.execute(union_all(*parts)).all():
                read[row[0]].append(row)
        undecided = _matches(sorted(read.pop(), key=_rank), decided=False) if marked else []
        # Each arm read its best ``wanted`` rows at most. One cut there holds every row down
        # to its last, so the rows are known down to the highest last row of the cut arms.
        cuts = [max(map(_rank, rows)) for rows in read if len(rows) >= wanted]
        rows = sorted((r for rows in read for r in rows), key=_rank)
        if cuts:
            rows = [r for r in rows if _rank(r) <= min(cuts)]
        decided = _matches(rows, decided=True)
        if len(decided) >= limit or not cuts:
            return decided[:limit], undecided[:limit]
        wanted *= 8


def _rank(row: Any) -> tuple[int, int]:
    return -int(row[2]), -int(row[1])  # highest score first, then newest item


def _current_decision(item_id: Any) -> Any:
    return (
        select(func.max(Decision.id))
        .where(Decision.agenda_item_id == item_id, Decision.superseded_by_id.is_(None))
        .scalar_subquery()
    )


def _matches(rows: Iterable[Any], *, decided: bool) -> list[ItemMatch]:
    """The decided (or undecided) items of ``rows``, each once, at its first (best) row."""
    found: dict[int, ItemMatch] = {}
    for _, item_id, total, decision_id in rows:
        if (decision_id is not None) == decided and int(item_id) not in found:
            found[int(item_id)] = ItemMatch(int(item_id), int(total) / SCORE_SCALE, decision_id)
    return list(found.values())


def _best(
    matched: list[tuple[QueryTerm, int]],
    rarities: list[int],
    filters: Filters,
    top: int,
    *,
    merge: bool,
) -> list[Any]:
    """Subqueries (arms) of (item_id, total) rows, each its best ``top`` rows at most; an item
    may come more than once, its first row (best) counts."""
    if len(matched) > 1:
        return [_scored(matched, rarities, filters, top=top, merge=merge)]
    # One word: an item scores its best field's weight × the word's rarity, so items rank
    # field by field, newest first.
    ((term, _),), (rarity,) = matched, rarities
    if term.prefix_range:  # a range of tokens is not in item order: one pass, best first
        docs = filters.docs(term)
        total = cast(docs.c.weight, BigInteger) * literal(rarity, BigInteger)
        best = select(docs.c.item_id, total.label("total"))
        return [best.order_by(total.desc(), docs.c.item_id.desc()).limit(top).subquery()]
    # Each look-up reads a field's newest straight off the index (item order), and stops.
    arms = []
    parts = filters.parts(term)
    for weight in sorted(set(FIELD_WEIGHT.values()), reverse=True):
        total = literal(weight * rarity, BigInteger).label("total")
        for part in parts:
            item_id = part.selected_columns.item_id
            best = part.where(part.selected_columns.weight == weight)
            best = best.with_only_columns(item_id, total).order_by(item_id.desc())
            arms.append(best.limit(top).subquery())
    return arms


def _scored(
    matched: list[tuple[QueryTerm, int]],
    rarities: list[int],
    filters: Filters,
    *,
    top: int | None = None,
    among: list[int] | None = None,
    merge: bool = False,
) -> Any:
    """(item_id, total) rows of the visible in-scope matches: the best ``top`` items, or
    every item of ``among``."""
    streams = [filters.docs(term, among=among, merge=merge) for term, _ in matched]
    tagged = union_all(
        *(
            select(docs.c.item_id, docs.c.weight, literal(n, Integer).label("term"))
            for n, docs in enumerate(streams)
        )
    ).subquery()
    # One pass over all matches: each word's best weight in the item, times its rarity.
    total = sum(
        (
            cast(func.coalesce(func.max(case((tagged.c.term == n, tagged.c.weight))), 0),
                 BigInteger) * literal(rarity, BigInteger)
            for n, rarity in enumerate(rarities)
        ),
        start=literal(0, BigInteger),
    )  # fmt: skip
    query = select(tagged.c.item_id, total.label("total")).group_by(tagged.c.item_id)
    if top is not None:
        query = query.order_by(total.desc(), tagged.c.item_id.desc()).limit(top)
    return query.subquery()
