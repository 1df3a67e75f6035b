"""Keeping the search index in step with the records, in the same transaction.

Documents: an agenda item's ``title`` and ``summary``, a ``decision`` (its text and
resolution) and a ``note``. Whenever one of them is added, changed or deleted through the ORM,
a session hook rewrites its index rows inside the same flush, so the index never disagrees
with a committed record. ``reindex_item`` / ``reindex_decision`` / ``reindex_note`` do the same
on demand (after a bulk ``update()`` statement, which bypasses the ORM, for instance).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, event, insert
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.attributes import get_history

from bot.search.terms import document_tokens
from storage.models import AgendaItem, Decision, Note, SearchTerm

TITLE, SUMMARY, DECISION, NOTE = "title", "summary", "decision", "note"
DOC_KINDS = (TITLE, SUMMARY, DECISION, NOTE)


def index_document(session: Session, kind: str, doc_id: int, texts: Iterable[str | None]) -> None:
    """Replace the index rows of one document with the tokens of ``texts``."""
    connection = session.connection()
    connection.execute(
        delete(SearchTerm).where(SearchTerm.doc_kind == kind, SearchTerm.doc_id == doc_id)
    )
    rows = [
        {"token": token, "doc_kind": kind, "doc_id": doc_id}
        for token in sorted(document_tokens(texts))
    ]
    if rows:
        connection.execute(insert(SearchTerm), rows)


def forget_document(session: Session, kind: str, doc_id: int) -> None:
    """Drop a document from the index."""
    session.connection().execute(
        delete(SearchTerm).where(SearchTerm.doc_kind == kind, SearchTerm.doc_id == doc_id)
    )


def reindex_item(session: Session, item_id: int) -> None:
    """Index an agenda item's title and summary (or drop them if the item is gone)."""
    item = session.get(AgendaItem, item_id)
    if item is None:
        forget_document(session, TITLE, item_id)
        forget_document(session, SUMMARY, item_id)
        return
    _index_item(session, item)


def reindex_decision(session: Session, decision_id: int) -> None:
    """Index a decision's text and resolution (or drop it if it is gone)."""
    decision = session.get(Decision, decision_id)
    if decision is None:
        forget_document(session, DECISION, decision_id)
        return
    _index_decision(session, decision)


def reindex_note(session: Session, note_id: int) -> None:
    """Index a note's text; a deleted note leaves the index."""
    note = session.get(Note, note_id)
    if note is None or note.deleted:
        forget_document(session, NOTE, note_id)
        return
    index_document(session, NOTE, note.id, [note.text, note.speaker])


def _index_item(session: Session, item: AgendaItem) -> None:
    index_document(session, TITLE, item.id, [item.title])
    index_document(session, SUMMARY, item.id, [item.summary])


def _index_decision(session: Session, decision: Decision) -> None:
    index_document(session, DECISION, decision.id, [decision.text, decision.resolution])


def _changed(obj: Any, *names: str) -> bool:
    return any(get_history(obj, name).has_changes() for name in names)


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    for obj in session.new:
        if isinstance(obj, AgendaItem):
            _index_item(session, obj)
        elif isinstance(obj, Decision):
            _index_decision(session, obj)
        elif isinstance(obj, Note) and not obj.deleted:
            index_document(session, NOTE, obj.id, [obj.text, obj.speaker])
    for obj in session.dirty:
        if isinstance(obj, AgendaItem) and _changed(obj, "title", "summary"):
            _index_item(session, obj)
        elif isinstance(obj, Decision) and _changed(obj, "text", "resolution"):
            _index_decision(session, obj)
        elif isinstance(obj, Note) and _changed(obj, "text", "speaker", "deleted"):
            if obj.deleted:
                forget_document(session, NOTE, obj.id)
            else:
                index_document(session, NOTE, obj.id, [obj.text, obj.speaker])
    for obj in session.deleted:
        if isinstance(obj, AgendaItem):
            forget_document(session, TITLE, obj.id)
            forget_document(session, SUMMARY, obj.id)
        elif isinstance(obj, Decision):
            forget_document(session, DECISION, obj.id)
        elif isinstance(obj, Note):
            forget_document(session, NOTE, obj.id)


_installed = False


def install_index_hooks() -> None:
    """Keep the index current on every ORM flush (idempotent; done on import of bot.search)."""
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _after_flush)
        _installed = True
