"""The reminder rows' state changes, each one short transaction.

A dispatcher *claims* due rows (state ``claimed``, its own claim token, a lease until
``claimed_until``), and every later change is conditional on still holding that claim, so two
dispatchers never both send a row: on PostgreSQL the claim takes rows with ``SELECT … FOR
UPDATE SKIP LOCKED`` (instances skip each other's rows instead of waiting); on SQLite, which
has one writer at a time, one conditional ``UPDATE … WHERE id IN (SELECT … LIMIT n)`` claims
the batch. A claim whose lease ran out (its dispatcher died) is taken again by the next one.

Every write transaction here starts with its ``UPDATE``: on SQLite a transaction that reads
first and writes later can fail to upgrade its lock under concurrency.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.reminders import kinds
from bot.reminders.content import Due
from bot.reminders.planning import ReminderSpec, put, secretariat_user
from bot.reminders.timing import ReminderPolicy
from storage.db import SessionFactory, is_postgres
from storage.models import Body, Decision, Meeting, Reminder


def due_condition(now: datetime) -> ColumnElement[bool]:
    """Pending and due (or due for another attempt), or claimed by a dispatcher that died."""
    # Each term is a range of one index ((state, next_attempt_at), (state, due_at)); a
    # coalesce() of the two columns would make every tick read every pending row, so a tick
    # would grow with the reminders stored instead of those due (bench: growth).
    return or_(
        and_(Reminder.state == kinds.PENDING, Reminder.next_attempt_at <= now),
        and_(
            Reminder.state == kinds.PENDING,
            Reminder.next_attempt_at.is_(None),
            Reminder.due_at <= now,
        ),
        and_(Reminder.state == kinds.CLAIMED, Reminder.claimed_until < now),
    )


def next_due_at(factory: SessionFactory) -> datetime | None:
    """The earliest next attempt of a pending reminder (None: nothing pending).

    Reads one end of the ``(state, next_attempt_at)`` index. Rows without a next attempt time
    (every planned row has one) are left to the scheduler's regular tick.
    """
    with factory() as session:
        return session.scalar(
            select(func.min(Reminder.next_attempt_at)).where(Reminder.state == kinds.PENDING)
        )


def _snapshot(row: Reminder, token: str) -> Due:
    return Due(
        id=row.id,
        key=row.key,
        kind=row.kind,
        target=row.target,
        due_at=row.due_at,
        meeting_id=row.meeting_id,
        decision_id=row.decision_id,
        payload=dict(row.payload or {}),
        attempts=row.attempts,
        in_doubt=row.in_doubt,
        token=token,
    )


def claim_due(
    factory: SessionFactory, now: datetime, token: str, batch_size: int, lease: timedelta
) -> list[Due]:
    """Claim up to ``batch_size`` due reminders for ``token``, oldest first."""
    order = (func.coalesce(Reminder.next_attempt_at, Reminder.due_at), Reminder.id)
    claim = {"state": kinds.CLAIMED, "claimed_by": token, "claimed_until": now + lease}
    with factory.begin() as session:
        if is_postgres(session):
            ids = session.scalars(
                select(Reminder.id)
                .where(due_condition(now))
                .order_by(*order)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not ids:
                return []
            session.execute(update(Reminder).where(Reminder.id.in_(ids)).values(**claim))
        else:
            batch = (
                select(Reminder.id)
                .where(due_condition(now))
                .order_by(*order)
                .limit(batch_size)
                .scalar_subquery()
            )
            session.execute(
                update(Reminder)
                .where(Reminder.id.in_(batch), due_condition(now))
                .values(**claim)
                .execution_options(synchronize_session=False)
            )
        rows = session.scalars(
            select(Reminder)
            .where(Reminder.claimed_by == token, Reminder.state == kinds.CLAIMED)
            .order_by(*order)
        ).all()
        return [_snapshot(r, token) for r in rows]


def _held(due: Due) -> ColumnElement[bool]:
    return and_(
        Reminder.id == due.id, Reminder.claimed_by == due.token, Reminder.state == kinds.CLAIMED
    )


def _change(session: Session, due: Due, **values: Any) -> bool:
    result = session.execute(
        update(Reminder)
        .where(_held(due))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def start_attempt(factory: SessionFactory, due: Due, now: datetime, lease: timedelta) -> bool:
    """Renew the lease and count the attempt; False when the claim was lost meanwhile.

    From here until the answer arrives the row is *in doubt*: had the process died, the
    next dispatcher looks for the message before posting it again.
    """
    with factory.begin() as session:
        return _change(
            session,
            due,
            attempts=Reminder.attempts + 1,
            in_doubt=True,
            claimed_until=now + lease,
        )


def mark_sent(
    factory: SessionFactory,
    due: Due,
    now: datetime,
    posted: tuple[str, str] | None,
    follow_ups: Iterable[ReminderSpec] = (),
) -> bool:
    """Record the reminder as sent (and plan what follows it) if the claim is still held."""
    with factory.begin() as session:
        if not _change(
            session,
            due,
            state=kinds.SENT,
            sent_at=now,
            claimed_until=None,
            in_doubt=False,
            last_error=None,
        ):
            return False
        row = session.get(Reminder, due.id)
        if row is not None and posted is not None:
            row.payload = {**(row.payload or {}), "channel": posted[0], "ts": posted[1]}
        for spec in follow_ups:
            put(session, spec, now)
        return True


def release(
    factory: SessionFactory, due: Due, until: datetime, note: str, *, in_doubt: bool
) -> bool:
    """Give the claim back: the reminder is tried again from ``until``."""
    with factory.begin() as session:
        return _change(
            session,
            due,
            state=kinds.PENDING,
            next_attempt_at=until,
            claimed_by=None,
            claimed_until=None,
            in_doubt=in_doubt,
            last_error=note[:2000],
        )


def drop(factory: SessionFactory, due: Due, reason: str) -> bool:
    """The reminder no longer makes sense: keep the row as the record of why."""
    with factory.begin() as session:
        return _change(
            session, due, state=kinds.DROPPED, claimed_until=None, last_error=reason[:2000]
        )


def fail(
    factory: SessionFactory, due: Due, now: datetime, error: str, policy: ReminderPolicy
) -> bool:
    """Give up on the reminder and tell the body's secretariat, once per target and error."""
    with factory.begin() as session:
        if not _change(
            session, due, state=kinds.FAILED, claimed_until=None, in_doubt=False, last_error=error
        ):
            return False
        body = _body_of(session, due)
        if body is not None and due.kind != kinds.FAILURE_REPORT:
            put(session, failure_report_spec(session, body, due, error, policy, now), now)
        return True


def failure_report_spec(
    session: Session, body: Body, due: Due, error: str, policy: ReminderPolicy, now: datetime
) -> ReminderSpec:
    """The DM that tells the secretariat a reminder could not be delivered."""
    code = error.split(":", 1)[0].strip() or "error"
    return ReminderSpec(
        kinds.report_key(body.id, due.target, code),
        kinds.FAILURE_REPORT,
        secretariat_user(session, body),
        policy.next_work_moment(now),
        "report",
        extra={
            "error": code,
            "failed_key": due.key,
            "failed_kind": due.kind,
            "failed_target": due.target,
        },
    )


def fan_out(
    factory: SessionFactory, due: Due, now: datetime, specs: Iterable[ReminderSpec]
) -> bool:
    """Replace the reminder by ``specs`` (one DM per presenter), atomically."""
    with factory.begin() as session:
        if not _change(session, due, state=kinds.SENT, sent_at=now, claimed_until=None):
            return False
        for spec in specs:
            put(session, spec, now)
        return True


def _body_of(session: Session, due: Due) -> Body | None:
    if due.meeting_id is not None:
        meeting = session.get(Meeting, due.meeting_id)
        return meeting.body if meeting else None
    if due.decision_id is not None:
        decision = session.get(Decision, due.decision_id)
        return decision.item.meeting.body if decision else None
    return None
