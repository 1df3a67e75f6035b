"""Meetings: scheduling, numbering (年度 第N回), finding the one a command means, and changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.audit import record
from bot.bodies import descendant_ids
from bot.calendar import fiscal_year_of
from bot.errors import NotFound, UserError
from bot.permissions import Actor, require_secretariat
from bot.reminders.planning import drop_meeting, plan_meeting
from bot.reminders.timing import ReminderPolicy
from bot.vocabulary import Ref
from storage.models import Attendance, Body, Meeting

ACTIVE = ("scheduled", "held")
# Starting earlier than this before the scheduled start gets a warning: starting posts every
# item's message, and a wrong reference (M12 for M21) would put them under the wrong meeting.
START_WARNING = timedelta(hours=12)


@dataclass(frozen=True)
class MeetingView:
    """A meeting as handlers and templates see it; times are aware, in UTC."""

    id: int
    body_id: int
    body_name: str
    body_channel: str
    parent_body_id: int | None
    starts_at: datetime
    ends_at: datetime
    fiscal_year: int
    number: int | None
    place: str | None
    status: str
    disclosure: str
    disclosure_reason: str | None
    minutes_disclosure: str
    minutes_disclosure_reason: str | None
    actual_start: datetime | None
    actual_end: datetime | None
    announcement_channel: str | None
    announcement_ts: str | None
    agenda_locked_at: datetime | None
    cancel_reason: str | None

    @property
    def ref(self) -> str:
        return f"M{self.id}"

    @property
    def is_non_public(self) -> bool:
        """Whether the meeting or its minutes are 非公開 / 一部非公開."""
        return self.disclosure != "public" or self.minutes_disclosure != "public"


@dataclass(frozen=True)
class Schedule:
    """What a user asked for: a local date and start/end clock times."""

    day: date
    start: time
    end: time


def meeting_number(session: Session, meeting: Meeting) -> int | None:
    """第N回: the rank by start time among the body's non-cancelled meetings of its FY."""
    return meeting_numbers(session, [meeting])[meeting.id]


def meeting_numbers(session: Session, meetings: Sequence[Meeting]) -> dict[int, int | None]:
    """第N回 of several meetings (by id), in one statement: the rank by start time among the
    body's non-cancelled meetings of the meeting's fiscal year (None for a cancelled one)."""
    numbers: dict[int, int | None] = {m.id: None for m in meetings}
    counted = [m.id for m in meetings if m.status != "cancelled"]
    if not counted:
        return numbers
    other = aliased(Meeting)
    earlier = (
        select(func.count())
        .where(
            other.body_id == Meeting.body_id,
            other.fiscal_year == Meeting.fiscal_year,
            other.status != "cancelled",
            or_(
                other.starts_at < Meeting.starts_at,
                and_(other.starts_at == Meeting.starts_at, other.id < Meeting.id),
            ),
        )
        .correlate(Meeting)
        .scalar_subquery()
    )
    for meeting_id, count in session.execute(
        select(Meeting.id, earlier).where(Meeting.id.in_(counted))
    ).all():
        numbers[meeting_id] = int(count or 0) + 1
    return numbers


def meeting_view(session: Session, meeting: Meeting, *, number: int | None = None) -> MeetingView:
    """The frozen view of ``meeting`` with its computed number (``number``: already known,
    from :func:`meeting_numbers`)."""
    body = meeting.body
    return MeetingView(
        id=meeting.id,
        body_id=body.id,
        body_name=body.name,
        body_channel=body.channel_id,
        parent_body_id=body.parent_id,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        fiscal_year=meeting.fiscal_year,
        number=number if number is not None else meeting_number(session, meeting),
        place=meeting.place,
        status=meeting.status,
        disclosure=meeting.disclosure,
        disclosure_reason=meeting.disclosure_reason,
        minutes_disclosure=meeting.minutes_disclosure,
        minutes_disclosure_reason=meeting.minutes_disclosure_reason,
        actual_start=meeting.actual_start,
        actual_end=meeting.actual_end,
        announcement_channel=meeting.announcement_channel,
        announcement_ts=meeting.announcement_ts,
        agenda_locked_at=meeting.agenda_locked_at,
        cancel_reason=meeting.cancel_reason,
    )


def _moments(when: Schedule, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(when.day, when.start, tzinfo=tz)
    end = datetime.combine(when.day, when.end, tzinfo=tz)
    if end <= start:
        raise UserError("meeting.end_before_start", usage="usage.meeting.schedule")
    return start, end


def _refuse_clash(
    session: Session,
    body_id: int,
    start: datetime,
    end: datetime,
    *,
    usage: str,
    moving: int | None = None,
) -> None:
    """One body cannot sit twice at once: an overlap is almost always a command sent twice
    or a wrong date, and a second announcement would confuse every member."""
    # The same command arriving twice at once (two instances) takes turns on the body's row,
    # so the second sees the first's meeting (PostgreSQL; SQLite writes one at a time).
    session.execute(select(Body.id).where(Body.id == body_id).with_for_update())
    query = select(Meeting.id).where(
        Meeting.body_id == body_id,
        Meeting.status != "cancelled",
        Meeting.starts_at < end,
        Meeting.ends_at > start,
    )
    if moving is not None:
        query = query.where(Meeting.id != moving)
    other = session.scalar(query.order_by(Meeting.starts_at).limit(1))
    if other is not None:
        raise UserError("meeting.clash", ref=f"M{other}", usage=usage)


@dataclass(frozen=True)
class Disclosures:
    """Whether a meeting and its minutes are public, and why not."""

    meeting: str
    meeting_reason: str | None
    minutes: str
    minutes_reason: str | None


def disclosures(
    body: Body,
    disclosure: str | None = None,
    reason: str | None = None,
    minutes_disclosure: str | None = None,
    minutes_reason: str | None = None,
) -> Disclosures:
    """What a meeting of ``body`` scheduled with these options gets: each value given, else
    the body's default; the minutes follow the meeting unless set apart."""
    meeting = disclosure or body.disclosure
    meeting_reason = reason if reason is not None else body.disclosure_reason
    if minutes_reason is None:
        minutes_reason = body.minutes_disclosure_reason or meeting_reason
    minutes = minutes_disclosure or body.minutes_disclosure or meeting
    return Disclosures(meeting, meeting_reason, minutes, minutes_reason)


def missing_reason(chosen: Disclosures) -> str | None:
    """The message key when the meeting or its minutes is not public and says not why (the
    minutes' 公開の可否 states it, and it cannot be added once the meeting is scheduled)."""
    if chosen.meeting != "public" and not chosen.meeting_reason:
        return "meeting.reason_required"
    if chosen.minutes != "public" and not chosen.minutes_reason:
        return "meeting.minutes_reason_required"
    return None


def schedule_meeting(
    session: Session,
    body: Body,
    when: Schedule,
    *,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
    fy_start_month: int,
    place: str | None = None,
    disclosure: str | None = None,
    reason: str | None = None,
    minutes_disclosure: str | None = None,
    minutes_reason: str | None = None,
    reminders: ReminderPolicy | None = None,
) -> MeetingView:
    """Schedule a meeting of ``body``; only its secretariat may. Plans its reminders."""
    require_secretariat(session, body, actor, action="schedule")
    start, end = _moments(when, tz)
    if start < now:
        raise UserError("meeting.in_the_past", usage="usage.meeting.schedule")
    _refuse_clash(session, body.id, start, end, usage="usage.meeting.schedule")
    chosen = disclosures(body, disclosure, reason, minutes_disclosure, minutes_reason)
    problem = missing_reason(chosen)
    if problem is not None:
        raise UserError(problem, usage="usage.meeting.schedule")
    meeting = Meeting(
        body=body,
        starts_at=start,
        ends_at=end,
        fiscal_year=fiscal_year_of(when.day, fy_start_month),
        place=place or body.default_place,
        status="scheduled",
        disclosure=chosen.meeting,
        disclosure_reason=chosen.meeting_reason,
        minutes_disclosure=chosen.minutes,
        minutes_disclosure_reason=chosen.minutes_reason,
        created_by=actor.user_id,
        created_at=now,
    )
    session.add(meeting)
    session.flush()
    record(session, now, actor.user_id, "meeting.schedule", body.id, "meeting", meeting.id)
    plan_meeting(session, meeting, reminders or ReminderPolicy.default(tz), now)
    return meeting_view(session, meeting)


def get_meeting(session: Session, meeting_id: int) -> Meeting:
    """The meeting ``M<id>``."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("meeting.not_found", ref=f"M{meeting_id}")
    return meeting


def meeting_in_progress(session: Session, body: Body, now: datetime) -> Meeting | None:
    """The body's meeting that has started (recorded or by the clock) and not ended."""
    return session.scalar(
        select(Meeting)
        .where(
            Meeting.body_id == body.id,
            Meeting.status != "cancelled",
            Meeting.actual_end.is_(None),
            or_(
                Meeting.actual_start.is_not(None),
                and_(Meeting.starts_at <= now, Meeting.ends_at > now),
            ),
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )


def current_meeting(session: Session, body: Body, now: datetime, purpose: str) -> Meeting:
    """The meeting a command means when it names none.

    The one in progress (started, not ended) first; otherwise the next scheduled meeting
    (``purpose="upcoming"``: /agenda, /materials) or the last one held (``purpose="held"``:
    /decision, /minutes, /agenda carry).
    """
    in_progress = meeting_in_progress(session, body, now)
    if in_progress is not None:
        return in_progress
    if purpose == "upcoming":
        found = session.scalar(
            select(Meeting)
            .where(
                Meeting.body_id == body.id,
                Meeting.status == "scheduled",
                Meeting.starts_at > now,
            )
            .order_by(Meeting.starts_at)
            .limit(1)
        )
        if found is None:
            raise NotFound("meeting.none_upcoming", body=body.name)
        return found
    found = session.scalar(
        select(Meeting)
        .where(
            Meeting.body_id == body.id,
            Meeting.status != "cancelled",
            or_(Meeting.status == "held", Meeting.starts_at <= now),
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )
    if found is None:
        raise NotFound("meeting.none_held", body=body.name)
    return found


def resolve_meeting(
    session: Session, body: Body, ref: Ref | None, now: datetime, purpose: str
) -> Meeting:
    """The meeting named by ``ref`` (``M12``, ``next``, ``last``) or the current one."""
    if ref is None:
        return current_meeting(session, body, now, purpose)
    if ref.kind == "meeting" and ref.number is not None:
        return get_meeting(session, ref.number)
    if ref.kind == "next":
        return current_meeting(session, body, now, "upcoming")
    if ref.kind == "last":
        return current_meeting(session, body, now, "held")
    raise UserError("meeting.bad_ref", ref=str(ref))


def list_meetings(session: Session, body: Body, fiscal_year: int | None) -> list[MeetingView]:
    """The body's and its sub-bodies' meetings in date order (one fiscal year, or all)."""
    query = select(Meeting).where(Meeting.body_id.in_(descendant_ids(session, body)))
    if fiscal_year is not None:
        query = query.where(Meeting.fiscal_year == fiscal_year)
    meetings = session.scalars(query.order_by(Meeting.starts_at, Meeting.id)).all()
    return [meeting_view(session, m) for m in meetings]


def move_meeting(
    session: Session,
    meeting: Meeting,
    when: Schedule,
    *,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
    fy_start_month: int,
    reminders: ReminderPolicy | None = None,
) -> MeetingView:
    """Move a scheduled meeting to another date and time (renumbering follows); its
    reminders move with it."""
    require_secretariat(session, meeting.body, actor, action="move")
    if meeting.status != "scheduled":
        raise UserError(
            "meeting.not_scheduled", ref=f"M{meeting.id}", status=f"meeting.status_{meeting.status}"
        )
    start, end = _moments(when, tz)
    if start < now:
        raise UserError("meeting.in_the_past", usage="usage.meeting.move")
    _refuse_clash(
        session, meeting.body_id, start, end, usage="usage.meeting.move", moving=meeting.id
    )
    meeting.starts_at, meeting.ends_at = start, end
    meeting.fiscal_year = fiscal_year_of(when.day, fy_start_month)
    record(session, now, actor.user_id, "meeting.move", meeting.body_id, "meeting", meeting.id)
    session.flush()
    plan_meeting(session, meeting, reminders or ReminderPolicy.default(tz), now)
    return meeting_view(session, meeting)


def cancel_meeting(
    session: Session, meeting: Meeting, reason: str | None, *, actor: Actor, now: datetime
) -> MeetingView:
    """Cancel a scheduled meeting; it no longer counts for 第N回."""
    require_secretariat(session, meeting.body, actor, action="cancel")
    if meeting.status != "scheduled":
        raise UserError(
            "meeting.not_scheduled", ref=f"M{meeting.id}", status=f"meeting.status_{meeting.status}"
        )
    meeting.status = "cancelled"
    meeting.cancel_reason = reason
    record(session, now, actor.user_id, "meeting.cancel", meeting.body_id, "meeting", meeting.id)
    drop_meeting(session, meeting.id, "meeting cancelled")
    session.flush()
    return meeting_view(session, meeting)


def start_meeting(
    session: Session, meeting: Meeting, *, actor: Actor, now: datetime
) -> MeetingView:
    """Record the actual start time."""
    require_secretariat(session, meeting.body, actor, action="start")
    if meeting.status == "cancelled":
        raise UserError(
            "meeting.not_scheduled", ref=f"M{meeting.id}", status=f"meeting.status_{meeting.status}"
        )
    if meeting.actual_start is None:
        meeting.actual_start = now
    record(session, now, actor.user_id, "meeting.start", meeting.body_id, "meeting", meeting.id)
    return meeting_view(session, meeting)


def end_meeting(session: Session, meeting: Meeting, *, actor: Actor, now: datetime) -> MeetingView:
    """Record the actual end time; the meeting is held."""
    require_secretariat(session, meeting.body, actor, action="end")
    if meeting.status == "cancelled":
        raise UserError(
            "meeting.not_scheduled", ref=f"M{meeting.id}", status=f"meeting.status_{meeting.status}"
        )
    if meeting.actual_start is None:
        meeting.actual_start = min(now, meeting.starts_at)
    if meeting.actual_end is not None:
        # The end time goes into the minutes (〔11:58 終了〕): ending again must not move it.
        raise UserError("meeting.already_ended", ref=f"M{meeting.id}")
    meeting.actual_end = now
    meeting.status = "held"
    record(session, now, actor.user_id, "meeting.end", meeting.body_id, "meeting", meeting.id)
    return meeting_view(session, meeting)


def set_announcement(session: Session, meeting_id: int, channel: str, ts: str) -> None:
    """Remember the announcement message: its thread is the meeting's thread."""
    meeting = get_meeting(session, meeting_id)
    meeting.announcement_channel = channel
    meeting.announcement_ts = ts


def meeting_by_thread(session: Session, channel: str, thread_ts: str) -> Meeting | None:
    """The meeting whose announcement started the thread ``thread_ts`` in ``channel``."""
    return session.scalar(
        select(Meeting).where(
            Meeting.announcement_channel == channel, Meeting.announcement_ts == thread_ts
        )
    )


def record_attendance(
    session: Session, meeting_id: int, user_id: str, status: str, pressed_at: datetime
) -> str:
    """Record Attend / Absent as pressed at ``pressed_at`` (Slack's action time).

    Pressing again changes the answer and never adds a second row; presses are answered
    before they are saved, so a press that arrives after a later one is ignored.

    Returns:
        The answer that stands.
    """
    if status not in ("present", "absent"):
        raise UserError("meeting.bad_attendance")
    get_meeting(session, meeting_id)
    row = session.scalar(
        select(Attendance)
        .where(Attendance.meeting_id == meeting_id, Attendance.user_id == user_id)
        .with_for_update()
    )
    if row is None:
        row = Attendance(
            meeting_id=meeting_id, user_id=user_id, status=status, answered_at=pressed_at
        )
        session.add(row)
    elif row.answered_at <= pressed_at:
        row.status, row.answered_at = status, pressed_at
    return row.status


def attendance(session: Session, meeting_id: int) -> dict[str, str]:
    """Each answering user's status for the meeting."""
    rows = session.execute(
        select(Attendance.user_id, Attendance.status).where(Attendance.meeting_id == meeting_id)
    ).all()
    return {user: status for user, status in rows}
