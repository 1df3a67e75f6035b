"""Keeping the search index in step with the records, in the same transaction.

Documents: an agenda item's ``title`` and ``summary``, a ``decision`` (its text and
resolution) and a ``note``. Whenever one of them is added, changed or deleted through the ORM,
a session hook rewrites its index rows inside the same flush, so the index never disagrees
with a committed record. ``reindex_item`` / ``reindex_decision`` / ``reindex_note`` do the same
on demand (after a bulk ``update()`` statement, which bypasses the ORM, for instance).

Each row carries what the search needs of its document, so that a word's items come straight
off the index: the agenda item (a document never moves to another item: a carried item is a
new item) and the field's weight. An item with no current decision also has one row of the
token ``u:`` (no text makes it), so the search finds the undecided items among a word's
matches without looking up the decision of every match.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, event, exists, insert, select
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.attributes import get_history

from bot.search.terms import document_tokens
from storage.models import AgendaItem, Decision, Note, SearchTerm

TITLE, SUMMARY, DECISION, NOTE = "title", "summary", "decision", "note"
DOC_KINDS = (TITLE, SUMMARY, DECISION, NOTE)
# Field weights in tenths (title 1.0, decision 0.9, summary 0.7, note 0.5): integers, so that
# sums are exact on both databases. Stored in every row (changing them means reindexing).
FIELD_WEIGHT = {TITLE: 10, DECISION: 9, SUMMARY: 7, NOTE: 5}
UNDECIDED = "u:"  # the token of an item's "no current decision" row
_ITEM = "item"


def document_rows(
    kind: str, doc_id: int, item_id: int, texts: Iterable[str | None]
) -> list[dict[str, Any]]:
    """The index rows of one document made of ``texts`` (what :func:`index_document` writes;
    bulk loaders use it too)."""
    weight = FIELD_WEIGHT[kind]
    return [
        {"token": token, "item_id": item_id, "weight": weight, "doc_kind": kind, "doc_id": doc_id}
        for token in sorted(document_tokens(texts))
    ]


def undecided_row(item_id: int) -> dict[str, Any]:
    """The row that marks ``item_id`` as having no current decision."""
    return {"token": UNDECIDED, "item_id": item_id, "weight": 0, "doc_kind": _ITEM,
            "doc_id": item_id}  # fmt: skip


def index_document(
    session: Session, kind: str, doc_id: int, item_id: int, texts: Iterable[str | None]
) -> None:
    """Replace the index rows of one document (of item ``item_id``) with those of ``texts``."""
    forget_document(session, kind, doc_id)
    rows = document_rows(kind, doc_id, item_id, texts)
    if rows:
        session.connection().execute(insert(SearchTerm), rows)


def forget_document(session: Session, kind: str, doc_id: int) -> None:
    """Drop a document from the index."""
    session.connection().execute(
        delete(SearchTerm).where(SearchTerm.doc_kind == kind, SearchTerm.doc_id == doc_id)
    )


def mark_decided(session: Session, item_id: int) -> None:
    """Write whether ``item_id`` has a current decision (its ``u:`` row) as the records say."""
    connection = session.connection()
    connection.execute(
        delete(SearchTerm).where(SearchTerm.token == UNDECIDED, SearchTerm.item_id == item_id)
    )
    decided = exists().where(
        Decision.agenda_item_id == item_id, Decision.superseded_by_id.is_(None)
    )
    item = select(AgendaItem.id).where(AgendaItem.id == item_id, ~decided)
    if connection.execute(item).first() is not None:
        connection.execute(insert(SearchTerm), [undecided_row(item_id)])


def reindex_item(session: Session, item_id: int) -> None:
    """Index an agenda item's title and summary (or drop them if the item is gone)."""
    item = session.get(AgendaItem, item_id)
    if item is None:
        forget_document(session, TITLE, item_id)
        forget_document(session, SUMMARY, item_id)
    else:
        _index_item(session, item)
    mark_decided(session, item_id)


def reindex_decision(session: Session, decision_id: int) -> None:
    """Index a decision's text and resolution (or drop it if it is gone)."""
    decision = session.get(Decision, decision_id)
    if decision is None:
        forget_document(session, DECISION, decision_id)
        return
    _index_decision(session, decision)
    mark_decided(session, decision.agenda_item_id)


def reindex_note(session: Session, note_id: int) -> None:
    """Index a note's text; a deleted note leaves the index."""
    note = session.get(Note, note_id)
    if note is None or note.deleted:
        forget_document(session, NOTE, note_id)
        return
    _index_note(session, note)


def _index_item(session: Session, item: AgendaItem) -> None:
    index_document(session, TITLE, item.id, item.id, [item.title])
    index_document(session, SUMMARY, item.id, item.id, [item.summary])


def _index_decision(session: Session, decision: Decision) -> None:
    texts = [decision.text, decision.resolution]
    index_document(session, DECISION, decision.id, decision.agenda_item_id, texts)


def _index_note(session: Session, note: Note) -> None:
    index_document(session, NOTE, note.id, note.agenda_item_id, [note.text, note.speaker])


def _changed(obj: Any, *names: str) -> bool:
    return any(get_history(obj, name).has_changes() for name in names)


def _item_ids(decision: Decision) -> set[int]:
    """The decision's item, and the one it had before this flush (if it was moved)."""
    history = get_history(decision, "agenda_item_id")
    return {decision.agenda_item_id, *(i for i in history.deleted if i is not None)}


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    # Items whose current decision may have changed: marked once all of the flush is written.
    to_mark: set[int] = set()
    for obj in session.new:
        if isinstance(obj, AgendaItem):
            _index_item(session, obj)
            to_mark.add(obj.id)
        elif isinstance(obj, Decision):
            _index_decision(session, obj)
            to_mark.add(obj.agenda_item_id)
        elif isinstance(obj, Note) and not obj.deleted:
            _index_note(session, obj)
    for obj in session.dirty:
        if isinstance(obj, AgendaItem) and _changed(obj, "title", "summary"):
            _index_item(session, obj)
        elif isinstance(obj, Decision):
            if _changed(obj, "text", "resolution", "agenda_item_id"):
                _index_decision(session, obj)
            if _changed(obj, "superseded_by_id", "agenda_item_id"):
                to_mark.update(_item_ids(obj))
        elif isinstance(obj, Note) and _changed(
            obj, "text", "speaker", "deleted", "agenda_item_id"
        ):
            if obj.deleted:
                forget_document(session, NOTE, obj.id)
            else:
                _index_note(session, obj)
    for obj in session.deleted:
        if isinstance(obj, AgendaItem):
            forget_document(session, TITLE, obj.id)
            forget_document(session, SUMMARY, obj.id)
            to_mark.add(obj.id)
        elif isinstance(obj, Decision):
            forget_document(session, DECISION, obj.id)
            to_mark.add(obj.agenda_item_id)
        elif isinstance(obj, Note):
            forget_document(session, NOTE, obj.id)
    for item_id in sorted(to_mark):
        mark_decided(session, item_id)


_installed = False


def install_index_hooks() -> None:
    """Keep the index current on every ORM flush (idempotent; done on import of bot.search)."""
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _after_flush)
        _installed = True
