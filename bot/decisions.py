"""The decision register: outcomes recorded for agenda items, their owners, and what is pending.

Re-deciding an item keeps the history: the new decision ``supersedes`` the previous one,
which is marked ``superseded_by`` and stops being pending. A decision is *pending* while it
is open and is a ``reexamine`` or ``deferred`` outcome, or has an owner and a due date
(PRODUCT.md, "Outcomes").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

import bot.search  # noqa: F401  (installs the index hook: decisions are searchable at once)
from bot.audit import record
from bot.bodies import descendant_ids
from bot.calendar import format_date
from bot.errors import Forbidden, NotFound, UserError
from bot.i18n import t
from bot.meetings import MeetingView, meeting_view, resolve_meeting
from bot.permissions import Actor, is_secretariat, require_secretariat
from bot.reminders.planning import drop_decision, plan_decision
from bot.reminders.timing import ReminderPolicy
from bot.vocabulary import Outcome, Ref
from storage.db import is_postgres
from storage.models import AgendaItem, Body, Decision, Meeting

ALWAYS_PENDING: tuple[str, ...] = ("reexamine", "deferred")
OPEN, CLOSED, SUPERSEDED = "open", "closed", "superseded"
MAX_TEXT = 4000
MAX_DEPT = 200


@dataclass(frozen=True)
class DecisionView:
    """A decision with its item and meeting, as handlers and templates see it."""

    id: int
    outcome: str
    text: str | None
    owner_user_id: str | None
    owner_dept: str | None
    due_date: date | None
    status: str
    resolution: str | None
    supersedes_id: int | None
    superseded_by_id: int | None
    decided_by: str
    created_at: datetime
    closed_at: datetime | None
    item_id: int
    item_kind: str
    item_number: int | None
    item_title: str
    item_private: bool
    meeting: MeetingView

    @property
    def ref(self) -> str:
        return f"D{self.id}"

    @property
    def pending(self) -> bool:
        """Open, and either a reexamine / deferred outcome or owned with a due date."""
        return self.status == OPEN and (
            self.outcome in ALWAYS_PENDING
            or (bool(self.owner_user_id or self.owner_dept) and self.due_date is not None)
        )

    @property
    def non_public(self) -> bool:
        """Whether the item is non-public or its meeting (or the minutes) is 非公開/一部非公開."""
        return self.item_private or self.meeting.is_non_public

    def overdue_days(self, today: date) -> int:
        """How many days past the due date (0 when not due yet or no due date)."""
        if self.due_date is None:
            return 0
        return max((today - self.due_date).days, 0)


def decision_view(session: Session, decision: Decision) -> DecisionView:
    """The frozen view of ``decision`` with its item and meeting."""
    item = decision.item
    return DecisionView(
        id=decision.id,
        outcome=decision.outcome,
        text=decision.text,
        owner_user_id=decision.owner_user_id,
        owner_dept=decision.owner_dept,
        due_date=decision.due_date,
        status=decision.status,
        resolution=decision.resolution,
        supersedes_id=decision.supersedes_id,
        superseded_by_id=decision.superseded_by_id,
        decided_by=decision.decided_by,
        created_at=decision.created_at,
        closed_at=decision.closed_at,
        item_id=item.id,
        item_kind=item.kind,
        item_number=item.number,
        item_title=item.title,
        item_private=item.private,
        meeting=meeting_view(session, item.meeting),
    )


def get_decision(session: Session, decision_id: int) -> Decision:
    """The decision ``D<id>``."""
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise NotFound("decision.not_found", ref=f"D{decision_id}")
    return decision


def resolve_item(
    session: Session, body: Body, ref: Ref, now: datetime, meeting_ref: Ref | None = None
) -> AgendaItem:
    """The agenda item ``ref`` names: ``A34``, or ``議案2`` in the meeting ``meeting_ref``
    (default: the body's current meeting for decisions — in progress, else the last held)."""
    if ref.kind == "item" and ref.number is not None:
        item = session.get(AgendaItem, ref.number)
        if item is None:
            raise NotFound("decision.item_not_found", ref=str(ref))
        return item
    if ref.kind != "item_in_meeting" or ref.number is None:
        raise UserError("decision.needs_item", value=str(ref), usage="usage.decision.record")
    meeting = resolve_meeting(session, body, meeting_ref, now, "held")
    item = session.scalar(
        select(AgendaItem)
        .where(
            AgendaItem.meeting_id == meeting.id,
            AgendaItem.kind == ref.item_kind,
            AgendaItem.number == ref.number,
        )
        .order_by(AgendaItem.id.desc())
        .limit(1)
    )
    if item is None:
        raise NotFound(
            "decision.item_not_in_meeting",
            ref_ja=f"{t('ja', f'decision.kind.{ref.item_kind}')}{ref.number}",
            ref_en=f"{t('en', f'decision.kind.{ref.item_kind}')}{ref.number}",
            meeting=f"M{meeting.id}",
        )
    return item


def current_decision(session: Session, item_id: int) -> Decision | None:
    """The item's latest decision (the one no other supersedes)."""
    return session.scalar(
        select(Decision)
        .where(Decision.agenda_item_id == item_id, Decision.superseded_by_id.is_(None))
        .order_by(Decision.id.desc())
        .limit(1)
    )


def lock_item(session: Session, item_id: int) -> None:
    """Make concurrent decisions on one item take turns, until this transaction ends.

    Recording reads the item's current decision and then inserts the one that supersedes
    it; two requests doing that at once would both supersede the same decision (or both be
    the first) and leave two current decisions. On PostgreSQL the item's row is locked
    (``FOR NO KEY UPDATE``: it does not block the key-share lock a note's or material's
    foreign key takes). SQLite has one writer at a time, but pysqlite begins the write
    transaction only at the first write, so the read would come before any lock: a write
    that changes nothing takes the database's write lock first.
    """
    if is_postgres(session):
        session.execute(
            select(AgendaItem.id).where(AgendaItem.id == item_id).with_for_update(key_share=True)
        )
    else:
        session.execute(
            update(AgendaItem)
            .where(AgendaItem.id == item_id)
            .values(id=AgendaItem.id)
            .execution_options(synchronize_session=False)
        )


def record_decision(
    session: Session,
    item: AgendaItem,
    outcome: Outcome,
    *,
    actor: Actor,
    now: datetime,
    today: date,
    text: str | None = None,
    owner_user_id: str | None = None,
    owner_dept: str | None = None,
    due: date | None = None,
    reminders: ReminderPolicy | None = None,
) -> DecisionView:
    """Record the outcome for ``item``; only the body's secretariat may. Plans the owner's
    reminders (``reminders``: the bot's calendar and hours; the defaults otherwise).

    A decision already recorded for the item is superseded by the new one (and is no longer
    pending); both stay in the register.

    Raises:
        UserError: the item is withdrawn or its meeting cancelled, the due date is past, or a
            text is too long. ``Forbidden`` for anyone but the secretariat.
    """
    meeting = item.meeting
    require_secretariat(session, meeting.body, actor, action="decision_record")
    if meeting.status == "cancelled":
        raise UserError("decision.meeting_cancelled", meeting=f"M{meeting.id}")
    if item.status == "withdrawn":
        raise UserError("decision.item_withdrawn", item=f"A{item.id}")
    if due is not None and due < today:
        raise UserError(
            "decision.due_in_past",
            due_ja=format_date(due, "ja"),
            due_en=format_date(due, "en"),
            usage="usage.decision.record",
        )
    if text is not None and len(text) > MAX_TEXT:
        raise UserError("error.too_long", length=len(text), limit=MAX_TEXT)
    if owner_dept is not None and len(owner_dept) > MAX_DEPT:
        raise UserError("error.too_long", length=len(owner_dept), limit=MAX_DEPT)
    lock_item(session, item.id)
    previous = current_decision(session, item.id)
    decision = Decision(
        item=item,
        outcome=outcome,
        text=text or None,
        owner_user_id=owner_user_id,
        owner_dept=owner_dept or None,
        due_date=due,
        status=OPEN,
        supersedes_id=previous.id if previous else None,
        decided_by=actor.user_id,
        created_at=now,
    )
    session.add(decision)
    session.flush()
    if previous is not None:
        previous.superseded_by_id = decision.id
        if previous.status == OPEN:
            previous.status = SUPERSEDED
    record(
        session,
        now,
        actor.user_id,
        "decision.record",
        meeting.body_id,
        "decision",
        decision.id,
        f"A{item.id}:{outcome}" + (f" supersedes D{previous.id}" if previous else ""),
    )
    session.flush()
    if previous is not None:
        drop_decision(session, previous.id, "superseded")
    plan_decision(session, decision, reminders or ReminderPolicy.default(), now)
    return decision_view(session, decision)


def close_decision(
    session: Session, decision_id: int, resolution: str | None, *, actor: Actor, now: datetime
) -> DecisionView:
    """Close a decision; its owner or the body's secretariat may.

    Raises:
        UserError: the decision is already closed or was superseded. ``Forbidden`` for anyone
            else.
    """
    decision = get_decision(session, decision_id)
    body = decision.item.meeting.body
    if decision.owner_user_id != actor.user_id and not is_secretariat(session, body, actor):
        raise Forbidden("perm.owner_or_secretariat", decision=f"D{decision.id}")
    if decision.status == CLOSED:
        raise UserError("decision.already_closed", ref=f"D{decision.id}")
    if decision.status == SUPERSEDED or decision.superseded_by_id is not None:
        raise UserError(
            "decision.superseded", ref=f"D{decision.id}", newer=f"D{decision.superseded_by_id}"
        )
    if resolution is not None and len(resolution) > MAX_TEXT:
        raise UserError("error.too_long", length=len(resolution), limit=MAX_TEXT)
    decision.status = CLOSED
    decision.resolution = resolution or None
    decision.closed_by = actor.user_id
    decision.closed_at = now
    record(session, now, actor.user_id, "decision.close", body.id, "decision", decision.id)
    drop_decision(session, decision.id, "decision closed")
    session.flush()
    return decision_view(session, decision)


def _pending_clause() -> ColumnElement[bool]:
    return and_(
        Decision.status == OPEN,
        or_(
            Decision.outcome.in_(ALWAYS_PENDING),
            and_(
                or_(Decision.owner_user_id.is_not(None), Decision.owner_dept.is_not(None)),
                Decision.due_date.is_not(None),
            ),
        ),
    )


def _oldest_due_first(views: Iterable[DecisionView]) -> list[DecisionView]:
    # No due date sorts last; ties by the order the decisions were made.
    return sorted(views, key=lambda v: (v.due_date is None, v.due_date or date.max, v.id))


def pending_decisions(session: Session, body: Body) -> list[DecisionView]:
    """The pending decisions of ``body`` and its sub-bodies, oldest due date first."""
    rows = session.scalars(
        select(Decision)
        .join(AgendaItem, AgendaItem.id == Decision.agenda_item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(Meeting.body_id.in_(descendant_ids(session, body)), _pending_clause())
    ).all()
    return _oldest_due_first(decision_view(session, d) for d in rows)


def pending_for_user(session: Session, user_id: str) -> list[DecisionView]:
    """The pending decisions ``user_id`` owns, in every body, oldest due date first."""
    rows = session.scalars(
        select(Decision).where(Decision.owner_user_id == user_id, _pending_clause())
    ).all()
    return _oldest_due_first(decision_view(session, d) for d in rows)


def decision_views(session: Session, ids: Iterable[int]) -> dict[int, DecisionView]:
    """Views of the decisions ``ids`` (missing ids are left out)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.scalars(select(Decision).where(Decision.id.in_(wanted))).all()
    return {d.id: decision_view(session, d) for d in rows}
