"""Typed ORM models: the secretariat's records.

Times are stored as UTC. ``UTCDateTime`` hands back aware datetimes on SQLite (which has no
time zone type) as on PostgreSQL, so code never compares naive with aware values.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class Body(Base):
    """A 会議体: a committee (本部) or a project team / 部会 under one."""

    __tablename__ = "bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"), index=True)
    secretariat_dept: Mapped[str | None] = mapped_column(String(200))
    channel_id: Mapped[str] = mapped_column(String(40), index=True)
    default_place: Mapped[str | None] = mapped_column(String(300))
    disclosure: Mapped[str] = mapped_column(String(10), default="public")
    disclosure_reason: Mapped[str | None] = mapped_column(Text)
    minutes_disclosure: Mapped[str | None] = mapped_column(String(10))
    minutes_disclosure_reason: Mapped[str | None] = mapped_column(Text)
    agenda_deadline: Mapped[str] = mapped_column(String(20), default="5bd")
    materials_deadline: Mapped[str] = mapped_column(String(20), default="2bd")
    reminders: Mapped[str] = mapped_column(String(100), default="1bd,1h")
    template: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]

    parent: Mapped[Body | None] = relationship(remote_side=[id])
    roster: Mapped[list[RosterEntry]] = relationship(
        back_populates="body", cascade="all, delete-orphan"
    )


class RosterEntry(Base):
    """A person's role in a body, with the title the minutes print (e.g. 総務部長)."""

    __tablename__ = "roster_entries"
    __table_args__ = (UniqueConstraint("body_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(40), index=True)
    role: Mapped[str] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)

    body: Mapped[Body] = relationship(back_populates="roster")


class Meeting(Base):
    """One sitting of a body. 第N回 is computed from the start time, never stored."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_body_fy", "body_id", "fiscal_year", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    fiscal_year: Mapped[int] = mapped_column(Integer)
    place: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    disclosure: Mapped[str] = mapped_column(String(10), default="public")
    disclosure_reason: Mapped[str | None] = mapped_column(Text)
    minutes_disclosure: Mapped[str] = mapped_column(String(10), default="public")
    minutes_disclosure_reason: Mapped[str | None] = mapped_column(Text)
    actual_start: Mapped[datetime | None]
    actual_end: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    announcement_channel: Mapped[str | None] = mapped_column(String(40))
    announcement_ts: Mapped[str | None] = mapped_column(String(40))
    agenda_locked_at: Mapped[datetime | None]
    items_posted_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]

    body: Mapped[Body] = relationship()


class Attendance(Base):
    """An Attend / Absent answer: one row per meeting and person, so a double press is one."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))
    answered_at: Mapped[datetime]


class AgendaItem(Base):
    """A 確認事項 / 議案 / 報告事項 submitted for a meeting."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        Index("ix_agenda_items_meeting", "meeting_id", "kind", "number"),
        Index("ix_agenda_items_private", "private"),  # what a public channel's search hides
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    kind: Mapped[str] = mapped_column(String(10))
    number: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    presenter: Mapped[str | None] = mapped_column(String(200))
    submitter_id: Mapped[str] = mapped_column(String(40), index=True)
    summary: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    status_reason: Mapped[str | None] = mapped_column(Text)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    time_box_minutes: Mapped[int | None] = mapped_column(Integer)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    source_link: Mapped[str | None] = mapped_column(String(500))
    thread_channel: Mapped[str | None] = mapped_column(String(40))
    thread_ts: Mapped[str | None] = mapped_column(String(40), index=True)
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id"))
    created_at: Mapped[datetime]
    # Its message at the meeting's start (bot/itemthreads.py): being posted since, posted at.
    start_claimed_at: Mapped[datetime | None]
    start_posted_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship()
    materials: Mapped[list[Material]] = relationship(
        back_populates="item", order_by="Material.id", cascade="all, delete-orphan"
    )


class Material(Base):
    """A document for an agenda item. ``label`` (資料3-1) is frozen when the agenda locks."""

    __tablename__ = "materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(1000))
    file_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    reference: Mapped[bool] = mapped_column(Boolean, default=False)
    label: Mapped[str | None] = mapped_column(String(40))
    added_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]

    item: Mapped[AgendaItem] = relationship(back_populates="materials")


class Note(Base):
    """What was said about an item, for the minutes. A Slack reply keeps its ts for edits."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(String(40))
    speaker: Mapped[str | None] = mapped_column(String(200))
    slack_channel: Mapped[str | None] = mapped_column(String(40))
    slack_ts: Mapped[str | None] = mapped_column(String(40), unique=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class Decision(Base):
    """An outcome recorded for an agenda item; a later decision supersedes an earlier one."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_open_due", "status", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(12))
    text: Mapped[str | None] = mapped_column(Text)
    owner_user_id: Mapped[str | None] = mapped_column(String(40), index=True)
    owner_dept: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolution: Mapped[str | None] = mapped_column(Text)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    decided_by: Mapped[str] = mapped_column(String(40))
    closed_by: Mapped[str | None] = mapped_column(String(40))
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    item: Mapped[AgendaItem] = relationship()


class Reminder(Base):
    """A message the bot owes someone at a moment; ``key`` makes each one unique."""

    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_due", "state", "due_at"),
        Index("ix_reminders_next_attempt", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(10), default="pending")
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # When the dispatcher may next try it (a retry after a failure, or the start of business
    # hours); None means ``due_at``.
    next_attempt_at: Mapped[datetime | None]
    # An attempt may have reached Slack without an answer (crash, 5xx, timeout): before
    # posting again the dispatcher looks for the message, so it is never doubled.
    in_doubt: Mapped[bool] = mapped_column(Boolean, default=False)


class ReminderChannel(Base):
    """When a conversation may next be sent a reminder, shared by every dispatcher.

    Slack takes about one message per second per channel: one dispatcher at a time holds a
    channel (``held_by`` until ``held_until``, when a dead holder's hold lapses) and posts its
    reminders there; ``free_at`` is the earliest moment of the next post, after the interval
    or after a 429's Retry-After.
    """

    __tablename__ = "reminder_channels"

    channel: Mapped[str] = mapped_column(String(40), primary_key=True)
    free_at: Mapped[datetime]
    held_by: Mapped[str | None] = mapped_column(String(80))
    held_until: Mapped[datetime | None]


class MinutesDraft(Base):
    """A rendered minutes draft; versions count up per meeting."""

    __tablename__ = "minutes_drafts"
    __table_args__ = (UniqueConstraint("meeting_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    template: Mapped[str] = mapped_column(String(100))
    markdown: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]


class ProcessedEvent(Base):
    """Slack event ids already handled: a retried delivery has one effect."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    received_at: Mapped[datetime]


class AuditEntry(Base):
    """Who created, changed, withdrew, decided or published what."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"), index=True)
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)


class SlackUser(Base):
    """What Slack told us about a user (admin flag, locale), cached so checks need no call."""

    __tablename__ = "slack_users"

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str | None] = mapped_column(String(20))
    fetched_at: Mapped[datetime]


class SlackChannel(Base):
    """What Slack told us about a channel: private? shared with another organisation?"""

    __tablename__ = "slack_channels"

    channel_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    is_private: Mapped[bool] = mapped_column(Boolean, default=False)
    is_im: Mapped[bool] = mapped_column(Boolean, default=False)
    is_ext_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    fetched_at: Mapped[datetime]


class SearchTerm(Base):
    """One searchable token of one document (an item's title or summary, a decision, a note).

    Tokens are character bigrams of Japanese text (``g:``), Sudachi normalised forms
    (``n:``) and English word stems (``w:``); an item without a current decision also has
    one row of the token ``u:`` (bot/search/index.py). Each row carries its document's
    agenda item and field weight (a document never moves to another item), and the primary
    key leads with ``(token, item_id)``: a word's items come off the index in item order,
    with no join to the records. PostgreSQL compares tokens bytewise ("C") so that prefix
    ranges (a one-kanji query) use the index and order exactly as on SQLite.
    """

    __tablename__ = "search_terms"
    __table_args__ = (Index("ix_search_terms_doc", "doc_kind", "doc_id"),)

    token: Mapped[str] = mapped_column(
        String(80).with_variant(String(80, collation="C"), "postgresql"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    weight: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    doc_kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    doc_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
