"""Records for decision and search tests: a body, held meetings and agenda items, made directly.

Agenda items are added through the ORM (the search index follows through the session hook),
so these tests depend on the decision register and search only, not on the agenda service.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.bodies import setup_body
from bot.permissions import Actor
from storage.models import AgendaItem, Body, Meeting

SEC = Actor("U0SEC")
NOW = datetime.fromisoformat("2027-05-10T10:00:00+09:00")


def make_body(s: Session, name: str = "行政情報化推進本部", parent: str | None = None) -> Body:
    setup_body(
        s,
        name=name,
        channel_id="C0MAIN",
        actor=SEC,
        now=NOW,
        parent=parent,
        secretariat="情報管理課",
    )
    body = s.query(Body).filter_by(name=name).one()
    return body


def make_meeting(
    s: Session,
    body: Body,
    days_ago: int = 14,
    *,
    disclosure: str = "public",
    minutes_disclosure: str = "public",
    thread: tuple[str, str] | None = None,
) -> Meeting:
    start = NOW - timedelta(days=days_ago)
    meeting = Meeting(
        body=body,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        fiscal_year=2027 if start.month >= 4 else 2026,
        status="held",
        disclosure=disclosure,
        minutes_disclosure=minutes_disclosure,
        actual_start=start,
        actual_end=start + timedelta(hours=1),
        announcement_channel=thread[0] if thread else None,
        announcement_ts=thread[1] if thread else None,
        created_by=SEC.user_id,
        created_at=start - timedelta(days=30),
    )
    s.add(meeting)
    s.flush()
    return meeting


def make_item(
    s: Session,
    meeting: Meeting,
    title: str,
    *,
    kind: str = "proposal",
    number: int | None = None,
    summary: str | None = None,
    private: bool = False,
) -> AgendaItem:
    if number is None:
        number = 1 + sum(1 for i in s.query(AgendaItem).filter_by(meeting_id=meeting.id, kind=kind))
    item = AgendaItem(
        meeting=meeting,
        kind=kind,
        number=number,
        title=title,
        summary=summary,
        submitter_id="U0MEMBER",
        status="accepted",
        private=private,
        created_at=meeting.created_at,
    )
    s.add(item)
    s.flush()
    return item
