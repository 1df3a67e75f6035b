"""Agenda items: submitting and finding them, and who may change them.

Numbers within each kind are kept by :mod:`bot.numbering`; deadlines and the agenda lock by
:mod:`bot.agenda_deadlines`; withdrawing, accepting, rejecting, moving and carrying items by
:mod:`bot.agenda_changes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.agenda_deadlines import deadlines_for, lock_if_due
from bot.audit import record
from bot.calendar import BusinessCalendar
from bot.errors import Forbidden, NotFound, UserError
from bot.meetings import current_meeting
from bot.numbering import NUMBERED_STATUSES, is_frozen, ordered_items, renumber
from bot.permissions import Actor, is_secretariat
from bot.text import normalize, user_mention
from bot.vocabulary import Kind, Ref
from storage.models import AgendaItem, Body, Meeting

MAX_TITLE = 500
MAX_PRESENTER = 200
MAX_SUMMARY = 3000
MAX_TIME_BOX = 600
_MINUTES = re.compile(r"(?P<n>\d{1,4})\s*(?:分|min|mins|minutes|m)?", re.IGNORECASE)


@dataclass(frozen=True)
class ItemView:
    """An agenda item as handlers and templates see it."""

    id: int
    meeting_id: int
    kind: str
    number: int | None
    title: str
    presenter: str | None
    submitter_id: str
    summary: str | None
    status: str
    status_reason: str | None
    private: bool
    time_box_minutes: int | None
    late: bool
    source_link: str | None
    thread_channel: str | None
    thread_ts: str | None
    carried_from_id: int | None

    @property
    def ref(self) -> str:
        return f"A{self.id}"


@dataclass(frozen=True)
class Submission:
    """What a submitter asked for; ``position`` places the item at that number in its kind."""

    kind: Kind
    title: str
    presenter: str | None = None
    summary: str | None = None
    time_box_minutes: int | None = None
    private: bool = False
    source_link: str | None = None
    position: int | None = None


@dataclass(frozen=True)
class Submitted:
    """The submitted item, whether it came after the agenda deadline, and that deadline."""

    item: ItemView
    late: bool
    deadline: datetime


def item_view(item: AgendaItem) -> ItemView:
    """The frozen view of ``item``."""
    return ItemView(
        id=item.id,
        meeting_id=item.meeting_id,
        kind=item.kind,
        number=item.number,
        title=item.title,
        presenter=item.presenter,
        submitter_id=item.submitter_id,
        summary=item.summary,
        status=item.status,
        status_reason=item.status_reason,
        private=item.private,
        time_box_minutes=item.time_box_minutes,
        late=item.late,
        source_link=item.source_link,
        thread_channel=item.thread_channel,
        thread_ts=item.thread_ts,
        carried_from_id=item.carried_from_id,
    )


# --- finding -----------------------------------------------------------------------------------


def submission_meeting(
    session: Session, body: Body, now: datetime, cal: BusinessCalendar, tz: ZoneInfo
) -> Meeting:
    """The next scheduled meeting of ``body`` that still takes submissions (not locked)."""
    candidates = session.scalars(
        select(Meeting)
        .where(
            Meeting.body_id == body.id,
            Meeting.status == "scheduled",
            Meeting.starts_at > now,
            Meeting.actual_start.is_(None),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    for meeting in candidates:
        if not lock_if_due(session, meeting, now, cal, tz):
            return meeting
    raise NotFound("agenda.no_open_meeting", body=body.name)


def get_item(session: Session, item_id: int) -> AgendaItem:
    """The agenda item ``A<id>``."""
    item = session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound("agenda.item_not_found", ref=f"A{item_id}")
    return item


def resolve_item(
    session: Session,
    body: Body,
    ref: Ref,
    now: datetime,
    purpose: str,
    shown: str | None = None,
) -> AgendaItem:
    """The item named by ``A34``, or by ``議案2`` in the channel's current meeting.

    ``shown`` is the reference as the user typed it, repeated in error messages.
    """
    if ref.kind == "item" and ref.number is not None:
        return get_item(session, ref.number)
    if ref.kind != "item_in_meeting" or ref.number is None:
        raise UserError("agenda.not_an_item", ref=shown or str(ref))
    meeting = current_meeting(session, body, now, purpose)
    item = session.scalar(
        select(AgendaItem).where(
            AgendaItem.meeting_id == meeting.id,
            AgendaItem.kind == ref.item_kind,
            AgendaItem.number == ref.number,
        )
    )
    if item is None:
        raise NotFound(
            "agenda.item_not_in_meeting", ref=shown or str(ref), meeting=f"M{meeting.id}"
        )
    return item


def items_of(session: Session, meeting_id: int) -> list[ItemView]:
    """The meeting's items in agenda order (numbered first), as views."""
    return [item_view(i) for i in ordered_items(session, meeting_id)]


def items_by_submitter(session: Session, user_id: str, meeting_ids: list[int]) -> list[ItemView]:
    """``user_id``'s live items in the given meetings."""
    if not meeting_ids:
        return []
    items = session.scalars(
        select(AgendaItem)
        .where(
            AgendaItem.submitter_id == user_id,
            AgendaItem.meeting_id.in_(meeting_ids),
            AgendaItem.status.in_(NUMBERED_STATUSES),
        )
        .order_by(AgendaItem.meeting_id, AgendaItem.id)
    ).all()
    return [item_view(i) for i in items]


# --- permissions -------------------------------------------------------------------------------


def require_open_or_secretariat(session: Session, meeting: Meeting, actor: Actor) -> None:
    """Refuse changes to a cancelled or held meeting, and to a locked one unless secretariat."""
    if meeting.status != "scheduled":
        raise UserError("agenda.meeting_closed", ref=f"M{meeting.id}", status=meeting.status)
    if is_frozen(meeting) and not is_secretariat(session, meeting.body, actor):
        raise Forbidden("agenda.locked", ref=f"M{meeting.id}", body=meeting.body.name)


def require_own_item(session: Session, item: AgendaItem, actor: Actor) -> None:
    """Refuse unless ``actor`` submitted ``item`` or is the secretariat."""
    if item.submitter_id == actor.user_id:
        return
    if not is_secretariat(session, item.meeting.body, actor):
        owner = user_mention(item.submitter_id)
        raise Forbidden("perm.own_items_only", item=f"A{item.id}", owner=owner)


# --- changes -----------------------------------------------------------------------------------


def parse_time_box(value: str | None) -> int | None:
    """``10``, ``10分``, ``10min`` → 10 minutes (None when not given)."""
    if value is None or not value.strip():
        return None
    m = _MINUTES.fullmatch(normalize(value).strip())
    if m is None:
        raise UserError("agenda.bad_time_box", value=value[:20], limit=MAX_TIME_BOX)
    return int(m.group("n"))


def _check_submission(sub: Submission) -> None:
    if not sub.title.strip():
        raise UserError("agenda.needs_title", usage="usage.agenda.add")
    if len(sub.title) > MAX_TITLE:
        raise UserError("agenda.title_too_long", limit=MAX_TITLE, usage="usage.agenda.add")
    if sub.presenter is not None and len(sub.presenter) > MAX_PRESENTER:
        raise UserError("agenda.presenter_too_long", limit=MAX_PRESENTER)
    if sub.summary is not None and len(sub.summary) > MAX_SUMMARY:
        raise UserError("agenda.summary_too_long", limit=MAX_SUMMARY)
    if sub.time_box_minutes is not None and not 1 <= sub.time_box_minutes <= MAX_TIME_BOX:
        raise UserError("agenda.bad_time_box", value=sub.time_box_minutes, limit=MAX_TIME_BOX)
    if sub.position is not None and sub.position < 1:
        raise UserError("agenda.bad_position", value=sub.position)


def submit_item(
    session: Session,
    meeting: Meeting,
    sub: Submission,
    *,
    actor: Actor,
    now: datetime,
    cal: BusinessCalendar,
    tz: ZoneInfo,
) -> Submitted:
    """Add an item to ``meeting``; anyone may. After the agenda deadline it is flagged late.

    Raises:
        UserError: a bad field, a closed meeting, or a locked agenda (for non-secretariat).
    """
    _check_submission(sub)
    lock_if_due(session, meeting, now, cal, tz)
    require_open_or_secretariat(session, meeting, actor)
    deadline = deadlines_for(meeting.body, meeting.starts_at, cal, tz).agenda
    late = now > deadline
    item = AgendaItem(
        meeting_id=meeting.id,
        kind=sub.kind,
        title=sub.title.strip(),
        presenter=(sub.presenter or "").strip() or None,
        submitter_id=actor.user_id,
        summary=(sub.summary or "").strip() or None,
        status="submitted",
        private=sub.private,
        time_box_minutes=sub.time_box_minutes,
        late=late,
        source_link=sub.source_link,
        created_at=now,
    )
    position = sub.position
    if position is None and not is_frozen(meeting):
        position = _former_place(session, meeting, sub)
    if position is not None and not is_frozen(meeting):
        make_room(session, meeting, sub.kind, position)
        item.number = position
    session.add(item)
    renumber(session, meeting)
    record(session, now, actor.user_id, "agenda.submit", meeting.body_id, "agenda_item", item.id)
    return Submitted(item=item_view(item), late=late, deadline=deadline)


def _former_place(session: Session, meeting: Meeting, sub: Submission) -> int | None:
    """Where a re-submitted item stood before it was withdrawn, or None if it is new.

    Withdrawing an item by mistake and submitting it again is common; it goes back to its
    place (by the order of the first submission) rather than to the end of its kind.
    """
    title = normalize(sub.title).strip()
    items = ordered_items(session, meeting.id)
    withdrawn = [
        i
        for i in items
        if i.kind == sub.kind and i.status == "withdrawn" and normalize(i.title) == title
    ]
    if not withdrawn:
        return None
    before = max(w.id for w in withdrawn)
    live_earlier = [
        i
        for i in items
        if i.kind == sub.kind
        and i.status in NUMBERED_STATUSES
        and i.number is not None
        and i.id < before
    ]
    return len(live_earlier) + 1


def make_room(session: Session, meeting: Meeting, kind: str, position: int) -> None:
    renumber(session, meeting)
    for other in ordered_items(session, meeting.id):
        if other.kind == kind and other.number is not None and other.number >= position:
            other.number += 1


def set_thread(session: Session, item_id: int, channel: str, ts: str) -> None:
    """Remember the message whose thread belongs to the item (files there are materials)."""
    item = get_item(session, item_id)
    item.thread_channel, item.thread_ts = channel, ts


def item_by_thread(session: Session, channel: str, thread_ts: str) -> AgendaItem | None:
    """The item whose message started the thread ``thread_ts`` in ``channel``."""
    return session.scalar(
        select(AgendaItem)
        .where(AgendaItem.thread_channel == channel, AgendaItem.thread_ts == thread_ts)
        .order_by(AgendaItem.id.desc())
        .limit(1)
    )
