"""Changing agenda items: withdraw, accept, reject, reorder, and carry to another meeting.

Every change renumbers the items of the meeting (see :mod:`bot.numbering`), so 議案2 always
means the second live proposal of an open agenda.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.agenda import (
    ItemView,
    item_view,
    make_room,
    require_open_or_secretariat,
    require_own_item,
    submission_meeting,
)
from bot.audit import record
from bot.calendar import BusinessCalendar
from bot.errors import NotFound, UserError
from bot.numbering import NUMBERED_STATUSES, is_frozen, next_frozen_code, renumber
from bot.permissions import Actor, require_secretariat
from storage.models import AgendaItem, Material, Meeting


def move_item(
    session: Session, item: AgendaItem, position: int, *, actor: Actor, now: datetime
) -> ItemView:
    """Put ``item`` at ``position`` within its kind (secretariat, open agenda only)."""
    meeting = item.meeting
    require_secretariat(session, meeting.body, actor, action="agenda_move")
    if is_frozen(meeting):
        raise UserError("agenda.frozen", ref=f"M{meeting.id}")
    if item.status not in NUMBERED_STATUSES:
        raise UserError("agenda.bad_status", ref=f"A{item.id}", status=item.status)
    if position < 1:
        raise UserError("agenda.bad_position", value=position)
    item.number = None
    renumber(session, meeting)
    make_room(session, meeting, item.kind, position)
    item.number = position
    renumber(session, meeting)
    record(session, now, actor.user_id, "agenda.move", meeting.body_id, "agenda_item", item.id)
    return item_view(item)


def _change_status(
    session: Session,
    item: AgendaItem,
    status: str,
    allowed_from: tuple[str, ...],
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
) -> ItemView:
    if item.status not in allowed_from:
        raise UserError("agenda.bad_status", ref=f"A{item.id}", status=item.status)
    item.status = status
    item.status_reason = reason
    renumber(session, item.meeting)
    record(
        session,
        now,
        actor.user_id,
        f"agenda.{status}",
        item.meeting.body_id,
        "agenda_item",
        item.id,
        reason,
    )
    return item_view(item)


def withdraw_item(session: Session, item: AgendaItem, *, actor: Actor, now: datetime) -> ItemView:
    """Withdraw ``item`` (its submitter or the secretariat); the others close up."""
    require_own_item(session, item, actor)
    require_open_or_secretariat(session, item.meeting, actor)
    return _change_status(
        session, item, "withdrawn", ("submitted", "accepted"), actor=actor, now=now
    )


def accept_item(session: Session, item: AgendaItem, *, actor: Actor, now: datetime) -> ItemView:
    """Accept ``item`` onto the agenda (secretariat), also a late or rejected one."""
    require_secretariat(session, item.meeting.body, actor, action="agenda_accept")
    return _change_status(
        session, item, "accepted", ("submitted", "rejected"), actor=actor, now=now
    )


def reject_item(
    session: Session, item: AgendaItem, reason: str | None, *, actor: Actor, now: datetime
) -> ItemView:
    """Reject ``item`` with a reason (secretariat); the others close up."""
    require_secretariat(session, item.meeting.body, actor, action="agenda_reject")
    return _change_status(
        session, item, "rejected", ("submitted", "accepted"), actor=actor, now=now, reason=reason
    )


def carry_item(
    session: Session,
    item: AgendaItem,
    target: Meeting | None,
    *,
    actor: Actor,
    now: datetime,
    cal: BusinessCalendar,
    tz: ZoneInfo,
) -> tuple[ItemView, ItemView]:
    """Carry ``item`` to ``target`` (default: the body's next meeting taking submissions).

    The item is copied there with its materials and numbered after that meeting's items of
    its kind; the original is marked carried (and closes up, unless its agenda is frozen).
    A Slack file moves with the copy, so sharing it again in the new thread is no duplicate.

    Returns:
        The original and the new item.
    """
    source = item.meeting
    require_secretariat(session, source.body, actor, action="agenda_carry")
    if item.status not in NUMBERED_STATUSES:
        raise UserError("agenda.bad_status", ref=f"A{item.id}", status=item.status)
    if target is None:
        target = _next_after(session, source, now, cal, tz)
    if target.id == source.id or target.status != "scheduled" or target.starts_at <= now:
        raise UserError("agenda.bad_carry_target", ref=f"M{target.id}")
    copy = AgendaItem(
        meeting_id=target.id,
        kind=item.kind,
        title=item.title,
        presenter=item.presenter,
        submitter_id=item.submitter_id,
        summary=item.summary,
        status=item.status,
        private=item.private,
        time_box_minutes=item.time_box_minutes,
        late=False,
        source_link=item.source_link,
        carried_from_id=item.id,
        created_at=now,
    )
    session.add(copy)
    session.flush()
    for material in sorted(item.materials, key=lambda m: m.id):
        file_id, material.file_id = material.file_id, None
        session.flush()  # file ids are unique: release it before the copy takes it
        copy.materials.append(
            Material(
                title=material.title,
                url=material.url,
                file_id=file_id,
                private=material.private,
                reference=material.reference,
                added_by=material.added_by,
                created_at=now,
            )
        )
    item.status = "carried"
    item.status_reason = f"M{target.id}"
    renumber(session, source)
    session.flush()
    renumber(session, target)
    if target.agenda_locked_at is not None:
        for material in sorted(copy.materials, key=lambda m: m.id):
            material.label = next_frozen_code(session, target, material)
            session.flush()
    record(
        session,
        now,
        actor.user_id,
        "agenda.carry",
        source.body_id,
        "agenda_item",
        item.id,
        f"A{copy.id}",
    )
    return item_view(item), item_view(copy)


def _next_after(
    session: Session, source: Meeting, now: datetime, cal: BusinessCalendar, tz: ZoneInfo
) -> Meeting:
    meeting = submission_meeting(session, source.body, now, cal, tz)
    if meeting.id == source.id:
        later = session.scalar(
            select(Meeting)
            .where(
                Meeting.body_id == source.body_id,
                Meeting.status == "scheduled",
                Meeting.starts_at > source.starts_at,
                Meeting.agenda_locked_at.is_(None),
            )
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(1)
        )
        if later is None:
            raise NotFound("agenda.no_open_meeting", body=source.body.name)
        return later
    return meeting
