"""Looking a word up on the index: the documents that hold it, and the filters around them.

A word is found by its bigrams (all of them in one document: the first bigram's rows, each
kept if the document has the others too, by point look-ups on the primary key), its
normalised form or English stem, or, for one kanji, a prefix range of bigrams. Every index row
names its document's agenda item and field weight, so no match is looked up in the records,
and each look-up but a prefix range reads the index in item order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import and_, select, union, union_all

from bot.search.terms import QueryTerm
from storage.models import SearchTerm

_TERMS: Any = SearchTerm.__table__  # Core: statements are built for every question
_DOC = ("item_id", "weight", "doc_kind", "doc_id")


@cache
def _alias(n: int) -> Any:
    """The n-th alias of the index in a join of bigrams, made once: building an alias's
    columns cost more than running a small look-up. Look-ups are subqueries of their own,
    so they can share them."""
    alias = _TERMS.alias(f"bigram_{n}")
    alias.c  # noqa: B018 - built here, once
    return alias


def term_parts(term: QueryTerm, *, items: Sequence[int] | None = None) -> list[Any]:
    """The index look-ups for one term, each a select of (item_id, weight, doc_kind, doc_id)
    rows of documents holding it (a document may be found by several); ``items`` (item ids)
    keeps only those items' documents."""
    parts: list[Any] = []

    def rows(table: Any) -> Any:
        query = select(*(table.c[k] for k in _DOC))
        return query if items is None else query.where(table.c.item_id.in_(items))

    terms = _TERMS
    if len(term.bigrams) == 1:  # a document holds a token once: nothing to join
        parts.append(rows(terms).where(terms.c.token == term.bigrams[0]))
    elif term.bigrams:
        first = _alias(0)
        query = rows(first).where(first.c.token == term.bigrams[0])
        for n, bigram in enumerate(term.bigrams[1:], start=1):
            other = _alias(n)
            same = [other.c[k] == first.c[k] for k in _DOC]
            query = query.join(other, and_(other.c.token == bigram, *same))
        parts.append(query)
    if term.prefix_range:
        low, high = term.prefix_range
        parts.append(rows(terms).where(terms.c.token >= low, terms.c.token < high))
    for token in (term.norm_token, term.word_token):
        if token:
            parts.append(rows(terms).where(terms.c.token == token))
    return parts


def term_statement(
    term: QueryTerm, *, distinct: bool = True, items: Sequence[int] | None = None
) -> Any:
    """:func:`term_parts` as one statement (None when the term has nothing to look up);
    ``distinct=False`` may repeat a document (cheaper, for a caller that groups anyway)."""
    parts = term_parts(term, items=items)
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return select((union(*parts) if distinct else union_all(*parts)).subquery())


@dataclass(frozen=True)
class Filters:
    """Items a word's matches are kept out of (``hidden``: their ids, or a subquery of them
    when they are many) or kept inside (``scope``: a subquery of item ids), rather than
    joining every match to the records."""

    hidden: Sequence[int] | Any | None
    scope: Any | None = None

    def parts(self, term: QueryTerm, *, among: list[int] | None = None) -> list[Any]:
        """The term's look-ups (of the items ``among``, when given), each a select of
        (item_id, weight) rows of the documents that pass the filters."""
        found = []
        for part in term_parts(term, items=among):
            item_id = part.selected_columns.item_id
            query = part.with_only_columns(item_id, part.selected_columns.weight)
            if self.hidden is not None and not (
                isinstance(self.hidden, Sequence) and not self.hidden
            ):
                query = query.where(item_id.not_in(self.hidden))
            if self.scope is not None:
                query = query.where(item_id.in_(self.scope))
            found.append(query)
        return found

    def docs(self, term: QueryTerm, *, among: list[int] | None = None, merge: bool = False) -> Any:
        """:meth:`parts` as one subquery of (item_id, weight) rows; None when the term has
        nothing to look up. ``merge`` drops repeated rows by merging the look-ups in item
        order (SQLite: cheaper than grouping every repeat afterwards)."""
        parts = self.parts(term, among=among)
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0].subquery()
        if merge:
            first = parts[0].selected_columns
            return union(*parts).order_by(first.item_id, first.weight).subquery()
        return union_all(*parts).subquery()
