"""Looking up decisions by a question, best matches first.

Each content word of the question is looked up on the index alone (an ``IN`` list of its
bigrams with a ``HAVING`` count, its normalised form, or a prefix range for one kanji), so no
query reads the whole table. Matches are gathered per agenda item: a word found in the title
counts more than one found in a decision's text, a summary or a note, and a word found in
few items counts more than a common one. Scores are computed in Python from the same rows on
both databases, and ties break by id, so SQLite and PostgreSQL rank alike.

Items the asker may not see (``exclude``: non-public items, where the place may not show them)
are dropped as soon as a word's documents are found, before anything else is decided from
them (whether a compound falls back to its parts, how rare a word is, the relative cut-off):
otherwise the visible results would shift with hidden text, and repeated questions could
confirm what a closed item says.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from bot.search.index import DECISION, NOTE, SUMMARY, TITLE
from bot.search.terms import QueryTerm, content_terms
from storage.models import AgendaItem, Decision, Meeting, Note, SearchTerm

FIELD_WEIGHT = {TITLE: 1.0, DECISION: 0.9, SUMMARY: 0.7, NOTE: 0.5}
RELATIVE_CUTOFF = 0.5  # a result must score at least half the best one
MAX_TERMS = 12  # a pasted paragraph is not a question: its first words are enough
TITLE_PAGE, TITLE_PAGES = 50, 10  # near titles are read in pages, up to this many
DocKey = tuple[str, int]
# Given item ids, those the asker may not see (see the module docstring).
Exclude = Callable[[Collection[int]], Collection[int]]


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


def term_statement(term: QueryTerm) -> Any:
    """The index lookup for one term: the (doc_kind, doc_id) pairs that contain it (or None
    when the term has nothing to look up)."""
    parts: list[Any] = []
    doc = (SearchTerm.doc_kind, SearchTerm.doc_id)
    if term.bigrams:
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
    return select(union(*parts).subquery())


def _lookup(session: Session, term: QueryTerm) -> set[DocKey]:
    statement = term_statement(term)
    if statement is None:
        return set()
    return {(str(kind), int(doc_id)) for kind, doc_id in session.execute(statement).all()}


def _items_of(session: Session, docs: Collection[DocKey]) -> dict[DocKey, int]:
    """The agenda item each document belongs to."""
    found: dict[DocKey, int] = {}
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, doc_id in docs:
        if kind in (TITLE, SUMMARY):
            found[(kind, doc_id)] = doc_id
        else:
            by_kind[kind].append(doc_id)
    for kind, model in ((DECISION, Decision), (NOTE, Note)):
        ids = sorted(set(by_kind.get(kind, [])))
        for start in range(0, len(ids), 500):
            rows = session.execute(
                select(model.id, model.agenda_item_id).where(model.id.in_(ids[start : start + 500]))
            ).all()
            found.update({(kind, int(i)): int(item) for i, item in rows})
    return found


class _Visible:
    """Which items the asker may see, asking ``exclude`` once per item."""

    def __init__(self, exclude: Exclude | None) -> None:
        self.exclude = exclude
        self.known: dict[int, bool] = {}

    def __call__(self, item_ids: Collection[int]) -> set[int]:
        if self.exclude is None:
            return set(item_ids)
        new = [i for i in item_ids if i not in self.known]
        if new:
            hidden = set(self.exclude(new))
            self.known.update({i: i not in hidden for i in new})
        return {i for i in item_ids if self.known[i]}


def _term_matches(session: Session, term: QueryTerm, visible: _Visible) -> list[dict[int, float]]:
    """Per looked-up word, each matching visible item's best field weight; a compound that
    finds no visible item as a whole is looked up by its parts."""
    items = _items_of(session, _lookup(session, term))
    shown = visible(set(items.values()))
    weights: dict[int, float] = {}
    for doc, item_id in items.items():
        if item_id in shown:
            weights[item_id] = max(weights.get(item_id, 0.0), FIELD_WEIGHT[doc[0]])
    if not weights and term.parts:
        return [m for part in term.parts for m in _term_matches(session, part, visible)]
    return [weights]


def _scope(
    session: Session, item_ids: Collection[int], body_ids: Collection[int] | None
) -> dict[int, int | None]:
    """The in-scope items among ``item_ids`` with their current (latest) decision."""
    ids = sorted(item_ids)
    result: dict[int, int | None] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = (
            select(AgendaItem.id)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(AgendaItem.id.in_(chunk))
        )
        if body_ids is not None:
            query = query.where(Meeting.body_id.in_(list(body_ids)))
        result.update(dict.fromkeys((int(i) for i in session.scalars(query)), None))
        decisions = session.execute(
            select(Decision.agenda_item_id, Decision.id).where(
                Decision.agenda_item_id.in_(chunk), Decision.superseded_by_id.is_(None)
            )
        ).all()
        for item_id, decision_id in decisions:
            if item_id in result:
                current = result[item_id]
                result[item_id] = max(decision_id, current or 0)
    return result


def search_decisions(
    session: Session,
    question: str,
    *,
    body_ids: Collection[int] | None = None,
    limit: int = 5,
    exclude: Exclude | None = None,
) -> SearchResult:
    """The decisions whose item, text or notes match ``question``, best first.

    Args:
        question: free text in Japanese or English; reduced to its content words.
        body_ids: the bodies to search (a body and its sub-bodies); None searches all.
        limit: the most decisions (and undecided items) returned.
        exclude: given item ids, those the asker may not see; they are never matched.

    Returns:
        The words looked up, the matching items with a current decision (best first), and
        matching items that have no decision yet (best first).
    """
    terms = content_terms(question)[:MAX_TERMS]
    scores: dict[int, float] = defaultdict(float)
    visible = _Visible(exclude)
    for term in terms:
        for weights in _term_matches(session, term, visible):
            if not weights:
                continue
            rarity = 1.0 / (1.0 + math.log(len(weights)))
            for item_id, weight in weights.items():
                scores[item_id] += rarity * weight
    in_scope = _scope(session, scores, body_ids)
    ranked = sorted(
        (ItemMatch(i, round(scores[i], 9), d) for i, d in in_scope.items()),
        key=lambda m: (-m.score, -m.item_id),
    )
    decided = [m for m in ranked if m.decision_id is not None]
    undecided = [m for m in ranked if m.decision_id is None]
    if decided:
        best = decided[0].score
        decided = [m for m in decided if m.score >= best * RELATIVE_CUTOFF]
    return SearchResult(
        terms=tuple(t.surface for t in terms),
        decisions=tuple(decided[:limit]),
        undecided=tuple(undecided[:limit]),
    )


def closest_titles(
    session: Session,
    question: str,
    *,
    body_ids: Collection[int] | None = None,
    limit: int = 3,
    exclude: Exclude | None = None,
) -> list[int]:
    """Items whose titles share the most index tokens with ``question`` (for "did you mean").

    Any single shared bigram, form or stem counts, so this finds near titles when no item
    holds every word of the question. Items ``exclude`` names are left out before the best
    are chosen, so they never take the place of a visible title.
    """
    tokens: set[str] = set()
    for term in content_terms(question):
        for t in (term, *term.parts):
            tokens.update(t.bigrams)
            tokens.update(x for x in (t.norm_token, t.word_token) if x)
    if not tokens:
        return []
    visible = _Visible(exclude)
    found: list[int] = []
    for page in range(TITLE_PAGES):
        rows = session.execute(
            select(SearchTerm.doc_id, func.count().label("shared"))
            .where(SearchTerm.token.in_(sorted(tokens)), SearchTerm.doc_kind == TITLE)
            .group_by(SearchTerm.doc_id)
            .order_by(func.count().desc(), SearchTerm.doc_id.desc())
            .offset(page * TITLE_PAGE)
            .limit(TITLE_PAGE)
        ).all()
        ordered = [int(doc_id) for doc_id, _ in rows]
        allowed = _scope(session, ordered, body_ids)
        shown = visible([i for i in ordered if i in allowed])
        found.extend(i for i in ordered if i in shown)
        if len(found) >= limit or len(rows) < TITLE_PAGE:
            break
    return found[:limit]
