"""Search: decisions found by a question, on the index, against a plain LIKE scan.

100,000 generated decisions (``bench.corpus``), each with its agenda item (title, sometimes
a summary) and sometimes a note, loaded with the index rows that ``bot.search.index`` writes
for them. Each query runs through ``bot.search.search_decisions`` twice: as it is (index
lookups), and with its document look-ups (``term_parts``) replaced by a plain
``LIKE '%term%'`` scan of the same records (the baseline); the scoring, scope and limit
around it are the same SQL in both. Both must return the same result; the index must be fast.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session, sessionmaker

from bench import corpus
from bench.infra import Settings, analyze, bulk_insert, database
from bench.report import Row, Table, ms, percentile, verdict
from bot.search import lookup as search_lookup
from bot.search import search_decisions
from bot.search.index import DECISION, FIELD_WEIGHT, NOTE, SUMMARY, TITLE, document_rows
from bot.search.lookup import term_statement as index_statement
from bot.search.terms import QueryTerm
from storage.models import AgendaItem, Body, Decision, Meeting, Note, SearchTerm

P95_TARGET = 0.020
SPEEDUP_TARGET = 20.0
ITEMS_PER_MEETING = 20
BODIES = 50


@dataclass(frozen=True)
class SearchSize:
    decisions: int
    repeats: int  # timed runs of each query on the index (the scan runs once)


FULL = SearchSize(100_000, 5)
QUICK = SearchSize(2_000, 1)


@dataclass
class Corpus:
    bodies: list[dict[str, Any]]
    meetings: list[dict[str, Any]]
    items: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    terms: list[dict[str, Any]]


def build_corpus(count: int) -> Corpus:
    """The records and their index rows (computed once, loaded into each database)."""
    now = datetime(2027, 5, 10, 1, 0, tzinfo=UTC)
    gen = corpus.Generator()
    bodies = [
        {"id": b, "name": f"検索本部{b:03d}", "channel_id": f"C0S{b:05d}", "created_by": "U0SEC",
         "created_at": now}
        for b in range(1, BODIES + 1)
    ]  # fmt: skip
    meetings: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    terms: list[dict[str, Any]] = []

    # Every item gets a decision, so none has the index's undecided row (index.undecided_row).
    def index(kind: str, doc_id: int, item_id: int, texts: list[str | None]) -> None:
        # What bot.search.index.index_document writes for the document.
        terms.extend(document_rows(kind, doc_id, item_id, texts))

    for n, record in enumerate(gen.records(count), start=1):
        meeting_id = (n - 1) // ITEMS_PER_MEETING + 1
        if (n - 1) % ITEMS_PER_MEETING == 0:
            start = now - timedelta(days=meeting_id)
            meetings.append(
                {"id": meeting_id, "body_id": (meeting_id - 1) % BODIES + 1, "starts_at": start,
                 "ends_at": start + timedelta(hours=1), "fiscal_year": 2026, "status": "held",
                 "created_by": "U0SEC", "created_at": now}
            )  # fmt: skip
        items.append(
            {"id": n, "meeting_id": meeting_id, "kind": "proposal",
             "number": (n - 1) % ITEMS_PER_MEETING + 1, "title": record.title,
             "summary": record.summary, "submitter_id": "U0SEC", "status": "accepted",
             "created_at": now}
        )  # fmt: skip
        decisions.append(
            {"id": n, "agenda_item_id": n, "outcome": "approved", "text": record.decision,
             "decided_by": "U0SEC", "created_at": now}
        )  # fmt: skip
        index(TITLE, n, n, [record.title])
        index(SUMMARY, n, n, [record.summary])
        index(DECISION, n, n, [record.decision, None])
        if record.note:
            note_id = len(notes) + 1
            notes.append(
                {"id": note_id, "agenda_item_id": n, "text": record.note, "author_id": "U0SEC",
                 "speaker": None, "created_at": now}
            )  # fmt: skip
            index(NOTE, note_id, n, [record.note, None])
    return Corpus(bodies, meetings, items, decisions, notes, terms)


# -- the baseline: the same search, its document lookup done by a LIKE scan -----------------

_FIELDS: list[tuple[str, Any, Any, list[Any]]] = [
    (TITLE, AgendaItem, AgendaItem.id, [AgendaItem.title]),
    (SUMMARY, AgendaItem, AgendaItem.id, [AgendaItem.summary]),
    (DECISION, Decision, Decision.agenda_item_id, [Decision.text, Decision.resolution]),
    (NOTE, Note, Note.agenda_item_id, [Note.text, Note.speaker]),
]


def scan_parts(term: QueryTerm, *, items: Sequence[int] | None = None) -> list[Any]:
    """The documents holding ``term``, by reading every record (``LIKE``), one select per
    field: a drop-in for ``bot.search.lookup.term_parts`` (same columns), so the rest of the
    search is the same.

    A Japanese term is a substring; an English one a word starting with it (the corpus
    has one form per English word, so this is what its stemmed index finds too).
    """
    parts: list[Any] = []
    for kind, model, item_id, columns in _FIELDS:
        if term.english:
            pattern = f"% {term.surface}%"
            texts = [literal(" ") + func.lower(func.coalesce(c, "")) for c in columns]
        else:
            pattern = f"%{term.surface}%"
            texts = [func.lower(func.coalesce(c, "")) for c in columns]
        query = select(
            item_id.label("item_id"),
            # Written out, so that a look-up of another field's weight is known empty
            # without reading the table (as the index's is).
            literal_column(str(FIELD_WEIGHT[kind]), Integer).label("weight"),
            literal(kind, String(10)).label("doc_kind"),
            model.id.label("doc_id"),
        ).where(or_(*(t.like(pattern) for t in texts)))
        if kind == NOTE:
            query = query.where(Note.deleted.is_(False))
        if items is not None:
            query = query.where(item_id.in_(items))
        parts.append(query)
    return parts


def scan_statement(term: QueryTerm) -> Any:
    """:func:`scan_parts` as one statement (to compare with ``term_statement``)."""
    return union_all(*scan_parts(term))


Parts = Callable[..., list[Any]]


@contextmanager
def lookups(parts: Parts | None, looked_up: set[QueryTerm]) -> Iterator[None]:
    """Run ``search_decisions`` with its document look-ups replaced by ``parts`` (None: its
    own), recording every term it looks up in ``looked_up``."""
    original = search_lookup.term_parts
    inner = parts or original

    def recording(term: QueryTerm, **options: Any) -> list[Any]:
        looked_up.add(term)
        return inner(term, **options)

    search_lookup.term_parts = recording
    try:
        yield
    finally:
        search_lookup.term_parts = original


def _docs(session: Session, statement: Any) -> set[tuple[str, int]]:
    if statement is None:
        return set()
    rows = statement.subquery()
    return {(str(k), int(i)) for k, i in session.execute(select(rows.c.doc_kind, rows.c.doc_id))}


def compare(session: Session, terms: set[QueryTerm]) -> tuple[int, int, int]:
    """For the terms either search looked up: documents the index missed, found beyond the
    scan by the term's normalised form (the same word in another spelling or script:
    サーバー for "server"), and found beyond the scan for no such reason (wrong)."""
    missed = explained = wrong = 0
    for term in terms:
        index_docs = _docs(session, index_statement(term))
        scan_docs = _docs(session, scan_statement(term))
        missed += len(scan_docs - index_docs)
        extra = index_docs - scan_docs
        if extra and term.norm_token:
            normalised = {
                (str(k), int(i))
                for k, i in session.execute(
                    select(SearchTerm.doc_kind, SearchTerm.doc_id).where(
                        SearchTerm.token == term.norm_token
                    )
                )
            }
            explained += len(extra & normalised)
            extra -= normalised
        wrong += len(extra)
    return missed, explained, wrong


# -- measuring ------------------------------------------------------------------------------


def _timed(factory: sessionmaker[Session], question: str) -> tuple[float, Any]:
    with factory() as session:
        start = time.perf_counter()
        result = search_decisions(session, question)
        return time.perf_counter() - start, result


QUERY_CLASSES: list[tuple[str, list[str], bool]] = [
    ("1 character", corpus.ONE_CHAR, False),
    ("2–6 characters", corpus.TERMS_2_6, True),
    ("questions", corpus.QUESTIONS, True),
]


def run(settings: Settings, size: SearchSize | None = None) -> Table:
    size = size or (QUICK if settings.quick else FULL)
    table = Table(f"Search: {size.decisions:,} decisions (Japanese and English)")
    started = time.perf_counter()
    data = build_corpus(size.decisions)
    table.note(
        f"corpus: {len(data.items):,} items, {len(data.decisions):,} decisions, "
        f"{len(data.notes):,} notes, {len(data.terms):,} index rows "
        f"(generated and tokenised in {time.perf_counter() - started:.0f} s)"
    )
    for backend in settings.backends():
        _measure(settings, backend, data, size, table)
    table.note(
        "figure: search_decisions on the index; baseline: the same call with its document "
        "lookup replaced by a LIKE scan of titles, summaries, decisions and notes; "
        "ratio = index p95 / scan p95 (so ≤ 0.05 means ≥ 20× faster)"
    )
    return table


def _measure(
    settings: Settings, backend: str, data: Corpus, size: SearchSize, table: Table
) -> None:
    with database(settings, backend) as db:
        started = time.perf_counter()
        for model, rows in (
            (Body, data.bodies), (Meeting, data.meetings), (AgendaItem, data.items),
            (Decision, data.decisions), (Note, data.notes), (SearchTerm, data.terms),
        ):  # fmt: skip
            bulk_insert(db.engine, model.__table__, rows)  # type: ignore[arg-type]
        analyze(db.engine)
        if backend == "postgresql":
            # What autovacuum does soon after a bulk insert: without it every index-only scan
            # still visits the table to learn whether each row is visible.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE) search_terms"))
        table.note(f"{backend}: loaded in {time.perf_counter() - started:.0f} s")
        factory = sessionmaker(db.engine)
        for name, queries, needs_speedup in QUERY_CLASSES:
            index_times: list[float] = []
            scan_times: list[float] = []
            normalised: list[str] = []
            same = 0
            for q in queries:
                _timed(factory, q)  # warm: the tokenizer, the page cache
                for _ in range(size.repeats):
                    index_times.append(_timed(factory, q)[0])
                looked_up: set[QueryTerm] = set()
                with lookups(None, looked_up):
                    _, result = _timed(factory, q)
                with lookups(scan_parts, looked_up):
                    elapsed, scanned = _timed(factory, q)
                scan_times.append(elapsed)
                with factory() as session:
                    missed, explained, wrong = compare(session, looked_up)
                if missed or wrong:
                    table.note(
                        f"{backend}: {q!r}: the index missed {missed} and wrongly found {wrong} "
                        "of the scan's documents"
                    )
                else:
                    same += 1
                if explained:
                    normalised.append(f"{q} (+{explained})")
                if result != scanned and not explained:
                    table.note(f"{backend}: {q!r}: answer differs from the scan's")
            if normalised:
                table.note(
                    f"{backend}, {name}: the index also found records holding the same word "
                    f"in another script or spelling (Sudachi's normalised form), beyond the "
                    f"scan's: {', '.join(normalised)} documents"
                )
            _rows(table, backend, name, index_times, scan_times, same, len(queries), needs_speedup)


def _rows(
    table: Table,
    backend: str,
    name: str,
    index_times: list[float],
    scan_times: list[float],
    same: int,
    total: int,
    needs_speedup: bool,
) -> None:
    p50, p95 = percentile(index_times, 50), percentile(index_times, 95)
    s50, s95 = percentile(scan_times, 50), percentile(scan_times, 95)
    label = f"{backend}, {name} ({total} queries)"
    table.add(Row(f"{label}: p50", ms(p50), f"{ms(s50)} (scan)", p50 / s50 if s50 else None,
                  "report"))  # fmt: skip
    speed_ok = not needs_speedup or (s95 / p95 >= SPEEDUP_TARGET and s50 / p50 >= SPEEDUP_TARGET)
    target = "< 20 ms" + (", ≥ 20× faster" if needs_speedup else "")
    table.add(
        Row(f"{label}: p95", ms(p95), f"{ms(s95)} (scan)", p95 / s95 if s95 else None, target,
            verdict(p95 < P95_TARGET and speed_ok))
    )  # fmt: skip
    table.add(Row(f"{label}: same results as the scan", f"{same}/{total}", f"{total}/{total}", None,
                  "all (none missed, none wrong)", verdict(same == total)))  # fmt: skip


Runner = Callable[[Settings], Table]
