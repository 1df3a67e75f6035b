"""Agenda deadlines and the lock: when items and materials are due, and freezing the agenda.

Deadlines are counted from the body's ``agenda_deadline`` / ``materials_deadline`` in business
days of the bot's calendar. Once the materials deadline passes the agenda locks: numbers and
materials labels are frozen (see :mod:`bot.numbering`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import record
from bot.calendar import BusinessCalendar
from bot.dates import parse_offset
from bot.errors import UserError
from bot.numbering import clear_labels, freeze_labels, renumber
from bot.permissions import Actor, require_secretariat
from storage.models import AgendaItem, Body, Meeting


@dataclass(frozen=True)
class Deadlines:
    """When items and materials are due for a meeting (aware datetimes)."""

    agenda: datetime
    materials: datetime


def deadlines_for(
    body: Body, starts_at: datetime, cal: BusinessCalendar, tz: ZoneInfo
) -> Deadlines:
    """The agenda and materials deadlines of a meeting starting at ``starts_at``.

    ``5bd`` is five business days before the meeting's date, at its clock time: weekends,
    public holidays and 12/29–1/3 are skipped, so a holiday in between moves it earlier.
    """
    return Deadlines(
        agenda=parse_offset(body.agenda_deadline).before(starts_at, cal, tz),
        materials=parse_offset(body.materials_deadline).before(starts_at, cal, tz),
    )


def lock_if_due(
    session: Session, meeting: Meeting, now: datetime, cal: BusinessCalendar, tz: ZoneInfo
) -> bool:
    """Lock the agenda once the materials deadline has passed; True when it is locked.

    Called whenever the agenda is read or changed, so the lock needs no timer and every
    instance agrees on it.
    """
    if meeting.agenda_locked_at is not None:
        return True
    if meeting.status != "scheduled":
        return False
    if now < deadlines_for(meeting.body, meeting.starts_at, cal, tz).materials:
        return False
    _lock(session, meeting, now)
    record(session, now, "system", "agenda.lock", meeting.body_id, "meeting", meeting.id, "due")
    return True


def _lock(session: Session, meeting: Meeting, now: datetime) -> None:
    renumber(session, meeting)
    meeting.agenda_locked_at = now
    freeze_labels(session, meeting)


def lock_agenda(session: Session, meeting: Meeting, *, actor: Actor, now: datetime) -> bool:
    """Freeze the agenda's numbers and materials labels; False when it already was."""
    require_secretariat(session, meeting.body, actor, action="agenda_lock")
    if meeting.status == "cancelled":
        raise UserError("agenda.meeting_closed", ref=f"M{meeting.id}", status=meeting.status)
    if meeting.agenda_locked_at is not None:
        return False
    _lock(session, meeting, now)
    record(session, now, actor.user_id, "agenda.lock", meeting.body_id, "meeting", meeting.id)
    return True


def unlock_agenda(session: Session, meeting: Meeting, *, actor: Actor, now: datetime) -> None:
    """Open a locked agenda again (before the meeting): numbers follow changes again."""
    require_secretariat(session, meeting.body, actor, action="agenda_unlock")
    if meeting.status != "scheduled" or meeting.actual_start is not None:
        raise UserError("agenda.meeting_closed", ref=f"M{meeting.id}", status=meeting.status)
    meeting.agenda_locked_at = None
    clear_labels(session, meeting)
    renumber(session, meeting)
    record(session, now, actor.user_id, "agenda.unlock", meeting.body_id, "meeting", meeting.id)


def late_items_awaiting(session: Session, meeting_id: int) -> list[str]:
    """References (A12) of items submitted after the agenda deadline that the secretariat has
    neither accepted nor rejected: they would go into the meeting undecided."""
    ids = session.scalars(
        select(AgendaItem.id)
        .where(
            AgendaItem.meeting_id == meeting_id,
            AgendaItem.status == "submitted",
            AgendaItem.late.is_(True),
        )
        .order_by(AgendaItem.id)
    )
    return [f"A{i}" for i in ids]
