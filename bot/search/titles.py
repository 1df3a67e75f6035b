"""Near titles for a question that matched nothing ("did you mean")."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.disclosure import Clearance, hidden_clause
from bot.search.index import TITLE
from bot.search.terms import content_terms
from storage.models import AgendaItem, Meeting, SearchTerm


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
        select(SearchTerm.item_id, func.count().label("shared"))
        .where(SearchTerm.token.in_(sorted(tokens)), SearchTerm.doc_kind == TITLE)
        .group_by(SearchTerm.item_id)
        .subquery()
    )
    query = (
        select(shared.c.item_id)
        .join(AgendaItem, AgendaItem.id == shared.c.item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .order_by(shared.c.shared.desc(), shared.c.item_id.desc())
        .limit(limit)
    )
    if body_ids is not None:
        query = query.where(Meeting.body_id.in_(sorted(body_ids)))
    clause = None if clearance is None else hidden_clause(clearance)
    if clause is not None:
        query = query.where(~clause)
    return [int(i) for i in session.scalars(query)]
