"""Planning: turning meetings and decisions into reminder rows, and keeping them current.

Every reminder has a unique ``key`` (``meeting:12:offset:1h``, ``decision:5:due:2027-07-01``),
so planning twice, from two instances or after a retried request, writes one row. A row also
records its *basis* (the meeting's start, the decision's due date): when a meeting moves, the
rows of the old basis are moved (or re-armed, if they were already sent for the old time) and
those that no longer apply are dropped. Rows are never deleted: a sent or dropped row is the
record that this reminder was dealt with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.dates import parse_offset, parse_offsets
from bot.reminders import kinds
from bot.reminders.timing import (
    AGENDA_CALL_LEAD,
    AGENDA_PREVIEW_LEAD,
    DECISION_LEAD_BUSINESS_DAYS,
    MATERIALS_LEAD,
    OVERDUE_REPEAT,
    ReminderPolicy,
)
from storage.models import AgendaItem, Body, Decision, Meeting, Reminder, RosterEntry


@dataclass(frozen=True)
class ReminderSpec:
    """One reminder as planned: what, to whom, when, and on what basis."""

    key: str
    kind: str
    target: str
    due_at: datetime
    basis: str
    meeting_id: int | None = None
    decision_id: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {**self.extra, "basis": self.basis}


def put(session: Session, spec: ReminderSpec, now: datetime) -> Reminder:
    """Insert the reminder, or bring the existing row with its key up to date.

    A row on the same basis keeps its state (a sent reminder is not sent again, a claimed
    one is left to its dispatcher) and a pending one takes the new time and target. A row on
    another basis (the meeting moved, the due date changed) is re-armed: it is a new moment.
    """
    row = session.scalar(select(Reminder).where(Reminder.key == spec.key))
    if row is None:
        _insert_ignoring_duplicate(session, spec, now)
        row = session.scalars(select(Reminder).where(Reminder.key == spec.key)).one()
        return row
    same_basis = (row.payload or {}).get("basis") == spec.basis
    if same_basis and row.state != kinds.PENDING:
        return row
    if same_basis and (row.due_at, row.target) == (spec.due_at, spec.target):
        return row
    row.kind, row.target, row.due_at = spec.kind, spec.target, spec.due_at
    row.payload = spec.payload()
    row.state, row.next_attempt_at = kinds.PENDING, spec.due_at
    row.claimed_by, row.claimed_until = None, None
    row.attempts, row.in_doubt, row.last_error, row.sent_at = 0, False, None, None
    return row


def reminder_row(spec: ReminderSpec, now: datetime) -> dict[str, Any]:
    """The ``reminders`` row of a newly planned ``spec``: pending, never attempted."""
    return {
        "key": spec.key,
        "kind": spec.kind,
        "target": spec.target,
        "due_at": spec.due_at,
        "next_attempt_at": spec.due_at,
        "state": kinds.PENDING,
        "meeting_id": spec.meeting_id,
        "decision_id": spec.decision_id,
        "payload": spec.payload(),
        "attempts": 0,
        "in_doubt": False,
        "created_at": now,
    }


def _insert_ignoring_duplicate(session: Session, spec: ReminderSpec, now: datetime) -> None:
    # Two instances planning the same reminder at once: the second insert does nothing
    # instead of failing the request that triggered it.
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(Reminder)
        .values(**reminder_row(spec, now))
        .on_conflict_do_nothing(index_elements=["key"])
    )


def _drop(rows: Iterable[Reminder], reason: str) -> int:
    count = 0
    for row in rows:
        if row.state in kinds.OPEN_STATES:
            row.state, row.last_error = kinds.DROPPED, reason
            row.claimed_by, row.claimed_until = None, None
            count += 1
    return count


def _rows(
    session: Session, *, meeting_id: int | None = None, decision_id: int | None = None
) -> Sequence[Reminder]:
    query = select(Reminder)
    if meeting_id is not None:
        query = query.where(Reminder.meeting_id == meeting_id)
    if decision_id is not None:
        query = query.where(Reminder.decision_id == decision_id)
    return session.scalars(query.order_by(Reminder.id)).all()


def secretariat_user(session: Session, body: Body) -> str:
    """The body's first secretariat member (who set it up, unless changed): the one the bot
    tells about department-owned decisions and undeliverable reminders."""
    user = session.scalar(
        select(RosterEntry.user_id)
        .where(RosterEntry.body_id == body.id, RosterEntry.role == "secretariat")
        .order_by(RosterEntry.position, RosterEntry.id)
        .limit(1)
    )
    return user or body.created_by


# --- meetings ----------------------------------------------------------------------------------


def meeting_basis(meeting: Meeting) -> str:
    """The start time the reminders were planned for, in UTC (as the database returns it)."""
    return meeting.starts_at.astimezone(UTC).isoformat()


def _at_work(policy: ReminderPolicy, moment: datetime, now: datetime) -> datetime:
    return policy.next_work_moment(max(moment, now))


def meeting_specs(meeting: Meeting, policy: ReminderPolicy, now: datetime) -> list[ReminderSpec]:
    """The reminders a scheduled meeting should have from ``now`` on (PRODUCT.md: the call
    for agenda items, the materials check, the agenda one business day before, each offset
    in the body's ``reminders``, the item messages at the start time)."""
    body, start, cal, tz = meeting.body, meeting.starts_at, policy.calendar, policy.tz
    basis, channel = meeting_basis(meeting), body.channel_id
    specs: list[ReminderSpec] = []

    def add(what: str, kind: str, due: datetime, **extra: Any) -> None:
        key = kinds.meeting_key(meeting.id, what)
        specs.append(ReminderSpec(key, kind, channel, due, basis, meeting.id, None, extra))

    agenda_deadline = parse_offset(body.agenda_deadline).before(start, cal, tz)
    call = _at_work(
        policy, policy.business_day_start_before(agenda_deadline, AGENDA_CALL_LEAD), now
    )
    if call < agenda_deadline:
        add("agenda_call", kinds.AGENDA_CALL, call, deadline=agenda_deadline.isoformat())
    materials_deadline = parse_offset(body.materials_deadline).before(start, cal, tz)
    check = _at_work(
        policy, policy.business_day_start_before(materials_deadline, MATERIALS_LEAD), now
    )
    if check < materials_deadline:
        add(
            "materials_check", kinds.MATERIALS_CHECK, check, deadline=materials_deadline.isoformat()
        )
    preview = AGENDA_PREVIEW_LEAD.before(start, cal, tz)
    if preview > now:
        add("agenda_preview", kinds.AGENDA_PREVIEW, preview)
    offsets = parse_offsets(body.reminders) if body.reminders.strip() else []
    for offset in offsets:
        moment = offset.before(start, cal, tz)
        # "1bd" in ``reminders`` is the agenda preview itself: one message, not two.
        if moment > now and moment != preview:
            add(f"offset:{offset}", kinds.MEETING_OFFSET, moment, offset=str(offset))
    if meeting.items_posted_at is None:  # else ``/meeting start`` already posted them
        add("start", kinds.MEETING_START, start)
    return specs


def plan_meeting(
    session: Session, meeting: Meeting, policy: ReminderPolicy, now: datetime
) -> list[str]:
    """Plan (or re-plan, after a move) the meeting's reminders; returns their keys.

    Reminders no longer in the plan are dropped; materials DMs made for the old time are
    dropped too (the materials check makes them again for the new one). A meeting that is
    not scheduled any more has all its open reminders dropped.
    """
    if meeting.status != "scheduled":
        drop_meeting(session, meeting.id, f"meeting {meeting.status}")
        return []
    specs = meeting_specs(meeting, policy, now)
    wanted = {s.key for s in specs}
    basis = meeting_basis(meeting)
    stale = [
        r
        for r in _rows(session, meeting_id=meeting.id)
        if r.key not in wanted and (r.kind != kinds.MATERIALS_DM or r.payload.get("basis") != basis)
    ]
    _drop(stale, "no longer planned: the meeting changed")
    for spec in specs:
        put(session, spec, now)
    session.flush()
    return [s.key for s in specs]


def drop_meeting(session: Session, meeting_id: int, reason: str) -> int:
    """Drop every open reminder of the meeting (it was cancelled); returns how many."""
    count = _drop(_rows(session, meeting_id=meeting_id), reason)
    session.flush()
    return count


def materials_dm_specs(
    session: Session, meeting: Meeting, basis: str, due: datetime, deadline: str
) -> list[ReminderSpec]:
    """One DM per live agenda item without materials, to its presenter (when the presenter
    is a person) or else its submitter. Made when the materials check is due, so items
    submitted after the meeting was scheduled are included."""
    items = session.scalars(
        select(AgendaItem)
        .where(
            AgendaItem.meeting_id == meeting.id,
            AgendaItem.status.in_(("submitted", "accepted")),
        )
        .order_by(AgendaItem.id)
    ).all()
    return [
        ReminderSpec(
            kinds.meeting_key(meeting.id, f"materials:{item.id}"),
            kinds.MATERIALS_DM,
            presenter_user(item) or item.submitter_id,
            due,
            basis,
            meeting.id,
            None,
            {"item_id": item.id, "deadline": deadline},
        )
        for item in items
        if not item.materials
    ]


def presenter_user(item: AgendaItem) -> str | None:
    """The presenter's user id when the presenter is a person (``<@U123>`` or ``U123``)."""
    text = (item.presenter or "").strip()
    if text.startswith("<@") and text.endswith(">"):
        text = text[2:-1].split("|")[0]
    if text[:1] in ("U", "W") and text[1:].isalnum() and text.isupper() and len(text) <= 20:
        return text
    return None


def replan_body(session: Session, body: Body, policy: ReminderPolicy, now: datetime) -> int:
    """Re-plan the upcoming meetings of ``body`` after its deadlines or ``reminders``
    changed; returns how many meetings were re-planned."""
    upcoming = session.scalars(
        select(Meeting).where(
            Meeting.body_id == body.id, Meeting.status == "scheduled", Meeting.starts_at > now
        )
    ).all()
    for meeting in upcoming:
        plan_meeting(session, meeting, policy, now)
    return len(upcoming)


# --- decisions ---------------------------------------------------------------------------------


def decision_is_pending(decision: Decision) -> bool:
    """Open, not superseded, and with a due date to remind about."""
    return (
        decision.status == "open"
        and decision.superseded_by_id is None
        and decision.due_date is not None
    )


def decision_target(session: Session, decision: Decision) -> str:
    """The owner, or for a department (or nobody) the body's secretariat."""
    if decision.owner_user_id:
        return decision.owner_user_id
    return secretariat_user(session, decision.item.meeting.body)


def overdue_moment(policy: ReminderPolicy, due: date, round_: int) -> datetime:
    """When overdue note number ``round_`` (0, 1, …) is due: the business day after the due
    date, then a week later each time (moved to the next business day when that is a day
    off)."""
    first = policy.calendar.next_business_day(due)
    return policy.next_work_moment(policy.work_start(first + OVERDUE_REPEAT * round_))


def overdue_spec(
    session: Session,
    decision: Decision,
    policy: ReminderPolicy,
    now: datetime,
    round_: int,
    *,
    after_today: bool = False,
) -> ReminderSpec:
    """Overdue note ``round_`` in the body's channel, or the first later one that is not in
    the past (with ``after_today``, not today either)."""
    assert decision.due_date is not None
    today = policy.local_date(now)
    moment = overdue_moment(policy, decision.due_date, round_)
    while policy.local_date(moment) < today or (after_today and policy.local_date(moment) == today):
        round_ += 1
        moment = overdue_moment(policy, decision.due_date, round_)
    moment = _at_work(policy, moment, now)
    return ReminderSpec(
        kinds.decision_key(decision.id, "overdue", policy.local_date(moment)),
        kinds.DECISION_OVERDUE,
        decision.item.meeting.body.channel_id,
        moment,
        decision.due_date.isoformat(),
        None,
        decision.id,
        {"round": round_},
    )


def decision_specs(
    session: Session, decision: Decision, policy: ReminderPolicy, now: datetime
) -> list[ReminderSpec]:
    """A DM a few business days before the due date and on it, then the overdue note."""
    if not decision_is_pending(decision):
        return []
    assert decision.due_date is not None
    due, cal = decision.due_date, policy.calendar
    basis, target = due.isoformat(), decision_target(session, decision)
    today = policy.local_date(now)
    specs: list[ReminderSpec] = []
    # "On it": a due date on a day off is reminded on the business day before it.
    due_day = cal.previous_business_day(due, include_today=True)
    before_day = cal.add_business_days(due, -DECISION_LEAD_BUSINESS_DAYS)
    before = policy.work_start(before_day)
    if before_day < due_day and before > now:
        key = kinds.decision_key(decision.id, "before", due)
        specs.append(
            ReminderSpec(key, kinds.DECISION_BEFORE, target, before, basis, None, decision.id)
        )
    due_moment = _at_work(policy, policy.work_start(due_day), now)
    if today <= due and policy.local_date(due_moment) <= due:
        key = kinds.decision_key(decision.id, "due", due)
        specs.append(
            ReminderSpec(key, kinds.DECISION_DUE, target, due_moment, basis, None, decision.id)
        )
    specs.append(overdue_spec(session, decision, policy, now, 0))
    return specs


def plan_decision(
    session: Session, decision: Decision, policy: ReminderPolicy, now: datetime
) -> list[str]:
    """Plan the reminders of a recorded decision; returns their keys.

    A decision that is closed, superseded or without a due date has its open reminders
    dropped; a changed due date drops those of the old one. The weekly overdue notes are
    planned one at a time: sending one plans the next.
    """
    specs = decision_specs(session, decision, policy, now)
    basis = decision.due_date.isoformat() if decision.due_date else None
    rows = _rows(session, decision_id=decision.id)
    if not specs:
        _drop(rows, f"decision {decision.status}")
    else:
        _drop([r for r in rows if r.payload.get("basis") != basis], "due date changed")
        # A later overdue note already planned by the weekly chain stays as it is.
        chained = any(
            r.kind == kinds.DECISION_OVERDUE
            and r.state in kinds.OPEN_STATES
            and r.payload.get("basis") == basis
            for r in rows
        )
        if chained:
            specs = [s for s in specs if s.kind != kinds.DECISION_OVERDUE]
    for spec in specs:
        put(session, spec, now)
    session.flush()
    return [s.key for s in specs]


def drop_decision(session: Session, decision_id: int, reason: str) -> int:
    """Drop the decision's open reminders (closed or superseded); returns how many."""
    count = _drop(_rows(session, decision_id=decision_id), reason)
    session.flush()
    return count
