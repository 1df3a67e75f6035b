"""Minutes: rendering the draft of a large meeting (Markdown and .docx).

A held meeting with 60 agenda items (確認事項, 議案, 報告事項), 200 notes, a decision on every
議案 and materials on most items is rendered the way ``/minutes draft`` renders it
(``bot.minutes.context.build_context``, then ``render_markdown`` and ``render_docx``); the
baseline is the smallest draft (one item, one note) rendered in the same run.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.orm import Session

from bench.infra import Settings, database
from bench.report import Row, Table, ms
from bot.minutes.context import build_context
from bot.minutes.render import render_docx, render_markdown
from storage.db import make_session_factory
from storage.models import AgendaItem, Body, Decision, Material, Meeting, Note, RosterEntry

TOKYO = ZoneInfo("Asia/Tokyo")
KINDS = ("confirm", "proposal", "report")


@dataclass(frozen=True)
class MinutesSize:
    items: int
    notes: int
    repeats: int


FULL = MinutesSize(60, 200, 5)
QUICK = MinutesSize(60, 200, 1)
SMALLEST = MinutesSize(1, 1, 0)


def add_meeting(session: Session, size: MinutesSize, name: str) -> Meeting:
    """A held meeting of a new body, with ``size.items`` items and ``size.notes`` notes."""
    now = datetime(2027, 6, 24, 3, 0, tzinfo=UTC)
    place = "庁議室（本庁舎5階）"
    body = Body(name=name, channel_id="C0MIN", secretariat_dept="情報管理課",
                default_place=place, created_by="U0SEC", created_at=now)  # fmt: skip
    session.add(body)
    session.flush()
    for n, role in enumerate(["chair", "vice_chair", *["member"] * 12, "secretariat"]):
        title = f"{'総務' if n % 2 else '企画'}部長"
        session.add(RosterEntry(body_id=body.id, user_id=f"U0M{n:03d}", role=role,
                                title=title, position=n))  # fmt: skip
    meeting = Meeting(
        body_id=body.id, starts_at=now, ends_at=now + timedelta(hours=1), fiscal_year=2027,
        place="庁議室（本庁舎5階）", status="held", actual_start=now,
        actual_end=now + timedelta(minutes=58), created_by="U0SEC", created_at=now,
        agenda_locked_at=now,
    )  # fmt: skip
    session.add(meeting)
    session.flush()
    items = []
    for i in range(size.items):
        kind = KINDS[i * len(KINDS) // max(size.items, 1)]
        item = AgendaItem(
            meeting_id=meeting.id, kind=kind, number=i + 1, title=f"電話システムの更新 その{i + 1}",
            presenter="情報管理課", submitter_id="U0SEC", status="accepted",
            summary="令和9年度から庁内の電話システムをクラウド型に移行する。", created_at=now,
        )  # fmt: skip
        session.add(item)
        items.append(item)
    session.flush()
    for i, item in enumerate(items):
        for m in range(1 + i % 2 if i % 5 else 0):
            session.add(Material(agenda_item_id=item.id, title=f"資料 {i + 1}-{m + 1}",
                                 url="https://example.org/doc.pdf", added_by="U0SEC",
                                 created_at=now))  # fmt: skip
        if item.kind == "proposal":
            session.add(Decision(agenda_item_id=item.id, outcome="approved" if i % 4 else
                                 "reexamine", text="案のとおり承認する。", decided_by="U0SEC",
                                 created_at=now))  # fmt: skip
    for n in range(size.notes):
        session.add(Note(agenda_item_id=items[n % len(items)].id, author_id=f"U0M{n % 15:03d}",
                         text=f"（委員）電話システムの移行に伴う費用と時期について確認したい。{n}",
                         created_at=now + timedelta(seconds=n)))  # fmt: skip
    session.flush()
    return meeting


def _render(session: Session, meeting: Meeting) -> tuple[float, float, float, int, int, int]:
    now = datetime(2027, 6, 24, 5, 0, tzinfo=UTC)
    queries = [0]

    def count(*_args: object) -> None:
        queries[0] += 1

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    a = time.perf_counter()
    context = build_context(session, meeting, lang="ja", tz=TOKYO, now=now)
    b = time.perf_counter()
    event.remove(engine, "before_cursor_execute", count)
    markdown = render_markdown(context, "ja", None)
    c = time.perf_counter()
    docx = render_docx(context, "ja", None)
    d = time.perf_counter()
    return b - a, c - b, d - c, len(markdown), len(docx), queries[0]


def run(settings: Settings, size: MinutesSize | None = None) -> Table:
    size = size or (QUICK if settings.quick else FULL)
    table = Table(f"Minutes: draft of a {size.items}-item meeting with {size.notes} notes")
    for backend in settings.backends():
        with database(settings, backend) as db:
            factory = make_session_factory(db.engine)
            with factory.begin() as s:
                big = add_meeting(s, size, "大きな本部").id
                small = add_meeting(s, SMALLEST, "小さな本部").id
            figures: dict[str, list[tuple[float, float, float, int, int, int]]] = {}
            for label, meeting_id in (("large", big), ("smallest", small)):
                runs = []
                for k in range(size.repeats + 1):
                    with factory() as s:
                        meeting = s.get(Meeting, meeting_id)
                        assert meeting is not None
                        result = _render(s, meeting)
                    if k:  # the first run loads templates and warms caches
                        runs.append(result)
                figures[label] = runs or [result]
        for part, index in (("context", 0), ("Markdown", 1), (".docx", 2)):
            large = statistics.median(r[index] for r in figures["large"])
            base = statistics.median(r[index] for r in figures["smallest"])
            table.add(Row(f"{backend}: {part}", ms(large), f"{ms(base)} (1 item)", large / base))
        total = statistics.median(sum(r[:3]) for r in figures["large"])
        base_total = statistics.median(sum(r[:3]) for r in figures["smallest"])
        md_len, docx_len, queries = figures["large"][0][3:]
        table.add(Row(f"{backend}: total (context + Markdown + .docx)", ms(total),
                      f"{ms(base_total)} (1 item)", total / base_total))  # fmt: skip
        table.note(
            f"{backend}: Markdown {md_len:,} characters, .docx {docx_len:,} bytes; "
            f"building the context ran {queries} SQL statements"
        )
    table.note(f"median of {max(size.repeats, 1)} renders after one warm-up render")
    return table
