"""A claimed reminder's record: sent, given back, dropped, failed, replaced.

Every change here is conditional on still holding the claim (``bot.reminders.claims``): a
dispatcher whose lease ran out and whose row another dispatcher took changes nothing. Each
is one short transaction, except the record of posts, which the dispatcher's next exchange
writes for all of them at once (``record_posted``). On SQLite every transaction starts with
its ``UPDATE``: a transaction that reads first and writes later can fail to upgrade its lock
under concurrency.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.reminders import kinds
from bot.reminders.content import Due
from bot.reminders.planning import ReminderSpec, put, secretariat_user
from bot.reminders.timing import ReminderPolicy
from storage.db import SessionFactory
from storage.models import Body, Decision, Meeting, Reminder


@dataclass(frozen=True)
class Posted:
    """A reminder Slack accepted, to be recorded as sent: its message and when."""

    due: Due
    channel: str
    ts: str
    at: datetime
    follow_ups: tuple[ReminderSpec, ...] = ()


def record_posted(
    session: Session, posted: Sequence[Posted], now: datetime
) -> tuple[list[Posted], list[Posted]]:
    """Record each of ``posted`` as sent, and plan what follows it, where the claim is still
    held: (recorded, lost to another dispatcher)."""
    if not posted:
        return [], []
    statement = (
        update(Reminder)
        .where(
            Reminder.id == bindparam("b_id"),
            Reminder.claimed_by == bindparam("b_token"),
            Reminder.state == kinds.CLAIMED,
        )
        .values(
            state=kinds.SENT,
            sent_at=bindparam("b_at"),
            claimed_until=None,
            in_doubt=False,
            last_error=None,
            payload=bindparam("b_payload"),
        )
    )
    # Core execution: one statement for all of them (executemany). The claim's payload is the
    # row's: while the claim is held nobody else changes it (``planning.put`` re-arms a
    # claimed row only by taking its claim away).
    session.connection().execute(
        statement,
        [
            {
                "b_id": p.due.id,
                "b_token": p.due.token,
                "b_at": p.at,
                "b_payload": {**p.due.payload, "channel": p.channel, "ts": p.ts},
            }
            for p in posted
        ],
    )
    # Which of them this dispatcher's claim recorded (a driver's executemany row count is
    # a total at best).
    rows = session.execute(
        select(Reminder.id, Reminder.state, Reminder.claimed_by).where(
            Reminder.id.in_([p.due.id for p in posted])
        )
    ).all()
    sent_by = {row.id: row.claimed_by for row in rows if row.state == kinds.SENT}
    recorded = [p for p in posted if sent_by.get(p.due.id) == p.due.token]
    lost = [p for p in posted if sent_by.get(p.due.id) != p.due.token]
    for p in recorded:
        for spec in p.follow_ups:
            put(session, spec, now)
    return recorded, lost


def unattempted(due: Due) -> dict[str, Any]:
    """The row's count and doubt as before its claim (which counted an attempt): it was
    not posted."""
    return {"attempts": due.attempts, "in_doubt": due.in_doubt}


def _held(due: Due) -> ColumnElement[bool]:
    return and_(
        Reminder.id == due.id, Reminder.claimed_by == due.token, Reminder.state == kinds.CLAIMED
    )


def change(session: Session, due: Due, **values: Any) -> bool:
    """Set ``values`` on ``due``'s row if its claim is still held; whether it was."""
    result = session.execute(
        update(Reminder)
        .where(_held(due))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def renew(factory: SessionFactory, due: Due, now: datetime, lease: timedelta) -> bool:
    """Renew the claim's lease; False when the claim was lost meanwhile."""
    with factory.begin() as session:
        return change(session, due, claimed_until=now + lease)


def mark_sent(
    factory: SessionFactory,
    due: Due,
    now: datetime,
    posted: tuple[str, str] | None,
    follow_ups: Iterable[ReminderSpec] = (),
) -> bool:
    """Record the reminder as sent (and plan what follows it) if the claim is still held."""
    values: dict[str, Any] = {
        "state": kinds.SENT,
        "sent_at": now,
        "claimed_until": None,
        "in_doubt": False,
        "last_error": None,
    }
    if posted is not None:
        # The claim snapshot's payload is the row's: while the claim is held nobody else
        # changes it (``planning.put`` re-arms a claimed row only by taking its claim away).
        values["payload"] = {**due.payload, "channel": posted[0], "ts": posted[1]}
    with factory.begin() as session:
        if not change(session, due, **values):
            return False
        for spec in follow_ups:
            put(session, spec, now)
        return True


def release(
    factory: SessionFactory,
    due: Due,
    until: datetime,
    note: str,
    *,
    in_doubt: bool,
    attempted: bool = True,
) -> bool:
    """Give the claim back: the reminder is tried again from ``until``.

    ``attempted`` False (a 429, business hours): the claim's attempt is not counted.
    """
    with factory.begin() as session:
        return change(
            session,
            due,
            state=kinds.PENDING,
            next_attempt_at=until,
            claimed_by=None,
            claimed_until=None,
            in_doubt=in_doubt,
            attempts=due.attempts + (1 if attempted else 0),
            last_error=note[:2000],
        )


def drop(factory: SessionFactory, due: Due, reason: str) -> bool:
    """The reminder no longer makes sense: keep the row as the record of why."""
    with factory.begin() as session:
        return change(
            session,
            due,
            **unattempted(due),
            state=kinds.DROPPED,
            claimed_until=None,
            last_error=reason[:2000],
        )


def fail(
    factory: SessionFactory, due: Due, now: datetime, error: str, policy: ReminderPolicy
) -> bool:
    """Give up on the reminder and tell the body's secretariat, once per target and error."""
    with factory.begin() as session:
        if not change(
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
        if not change(
            session, due, **unattempted(due), state=kinds.SENT, sent_at=now, claimed_until=None
        ):
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
