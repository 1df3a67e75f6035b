"""Claiming due reminders, by channel, in one transaction with what goes back.

A dispatcher *claims* due rows (state ``claimed``, its own claim token, a lease until
``claimed_until``), and every later change is conditional on still holding that claim, so two
dispatchers never both send a row. Claims go by channel (``bot.reminders.channels``): in one
transaction a dispatcher gives back the channels it is done with, takes channels that nobody
holds and that are free within its horizon (on PostgreSQL with ``SELECT … FOR UPDATE SKIP
LOCKED``, so instances skip each other's instead of waiting), and claims in each the first due
reminders, in order, as many as fit before the horizon at one per interval. A claim whose
lease ran out (its dispatcher died) is taken again by the next one, as in doubt.

The claim counts the attempt: from then on the row may be posted at any moment, so a
dispatcher that takes it over after a crash first looks for the message in Slack. The same
transaction records the reminders posted since the last one as sent and gives back the
channels the dispatcher is done with (``exchange``): a few transactions a second instead of
one or two per reminder (bench: fan-out).

On SQLite every write transaction here starts with an ``UPDATE``: a transaction that reads
first and writes later can fail to upgrade its lock under concurrency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.reminders import channels, kinds, records
from bot.reminders.content import Due
from storage.db import SessionFactory, is_postgres
from storage.models import Reminder, ReminderChannel

# A dispatcher posts a held channel's reminders within seconds. Past this its hold lapses:
# a dispatcher that died leaves its channels to the others after a minute (the reminders it
# had claimed wait for their own lease, and are then looked for before being posted).
CHANNEL_HOLD = timedelta(minutes=1)


@dataclass(frozen=True)
class ClaimLimits:
    """How much one claim takes.

    Args:
        batch_size: reminders claimed at once, at most.
        lease: how long a claim lasts without news (a channel's hold: at most
            ``CHANNEL_HOLD``).
        interval: the least time between two posts to one channel, in seconds.
        horizon: how far ahead of now a channel may become free to be claimed, in seconds
            (its reminders wait in memory until then).
    """

    batch_size: int
    lease: timedelta
    interval: float = 0.0
    horizon: float = 0.0


@dataclass(frozen=True)
class ChannelClaim:
    """A channel now held by the claiming dispatcher, and its reminders claimed, in order.

    ``free_at`` is when the first of them may be posted.
    """

    channel: str
    token: str
    free_at: datetime
    dues: tuple[Due, ...]


@dataclass(frozen=True)
class ChannelRelease:
    """A held channel given back: its next post may go at ``free_at``; ``unsent`` (claimed
    there, not posted) wait in the database until then."""

    channel: str
    token: str
    free_at: datetime
    unsent: tuple[Due, ...] = ()
    note: str = ""


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


_RETURNED = (
    Reminder.id,
    Reminder.key,
    Reminder.kind,
    Reminder.target,
    Reminder.due_at,
    Reminder.meeting_id,
    Reminder.decision_id,
    Reminder.payload,
    Reminder.attempts,
    Reminder.in_doubt,
    Reminder.claimed_until,
)


def _snapshot(row: Any, token: str) -> Due:
    return Due(
        id=row.id,
        key=row.key,
        kind=row.kind,
        target=row.target,
        due_at=row.due_at,
        meeting_id=row.meeting_id,
        decision_id=row.decision_id,
        payload=dict(row.payload or {}),
        attempts=row.attempts - 1,  # as before this claim, which counted one
        in_doubt=bool(row.in_doubt),
        token=token,
        held_until=row.claimed_until,
    )


@dataclass(frozen=True)
class Exchanged:
    """What one :func:`exchange` did: the channels claimed, and the posted reminders recorded
    as sent (``lost``: their claim had gone to another dispatcher meanwhile)."""

    claimed: list[ChannelClaim]
    recorded: list[records.Posted]
    lost: list[records.Posted]


def claim_due(
    factory: SessionFactory, now: datetime, token: str, batch_size: int, lease: timedelta
) -> list[Due]:
    """Claim up to ``batch_size`` due reminders for ``token``, oldest first per channel."""
    claimed = claim_channels(factory, now, token, ClaimLimits(batch_size, lease))
    return [due for claim in claimed for due in claim.dues]


def claim_channels(
    factory: SessionFactory,
    now: datetime,
    token: str,
    limits: ClaimLimits | None,
    releases: Sequence[ChannelRelease] = (),
) -> list[ChannelClaim]:
    """:func:`exchange` with nothing posted to record: the channels claimed."""
    return exchange(factory, now, token, limits, releases).claimed


def exchange(
    factory: SessionFactory,
    now: datetime,
    token: str,
    limits: ClaimLimits | None,
    releases: Sequence[ChannelRelease] = (),
    posted: Sequence[records.Posted] = (),
) -> Exchanged:
    """Record ``posted`` as sent, give ``releases`` back, then (unless ``limits`` is None)
    claim channels and their due reminders for ``token``, all in one transaction.

    Returns:
        The channels now held (oldest due reminder first) and what was recorded.
    """
    if not (posted or releases) and (limits is None or not _claimable(factory, now, limits)):
        return Exchanged([], [], [])  # an idle tick writes nothing
    with factory.begin() as session:
        if not is_postgres(session):
            channels.end_lapsed_holds(session, now)
        recorded, lost = records.record_posted(session, posted, now)
        for release in releases:
            for due in release.unsent:
                records.change(
                    session,
                    due,
                    **records.unattempted(due),
                    state=kinds.PENDING,
                    next_attempt_at=release.free_at,
                    claimed_by=None,
                    claimed_until=None,
                    last_error=release.note[:2000] or None,
                )
        channels.let_go(session, [(r.channel, r.token, r.free_at) for r in releases])
        claimed: list[ChannelClaim] = []
        if limits is not None and limits.batch_size > 0:
            claimed = _claim(session, now, token, limits)
        return Exchanged(claimed, recorded, lost)


def _claimable(factory: SessionFactory, now: datetime, limits: ClaimLimits) -> bool:
    """Whether any reminder is due in a channel that could be claimed (a read)."""
    row = ReminderChannel
    with factory() as session:
        found = session.scalar(
            select(Reminder.id)
            .outerjoin(row, row.channel == Reminder.target)
            .where(_in_free_channel(now, limits))
            .limit(1)
        )
        return found is not None


def _in_free_channel(now: datetime, limits: ClaimLimits) -> ColumnElement[bool]:
    """Due, in a channel that nobody holds and that is free within the horizon (or has no
    row yet); ``ReminderChannel`` outer-joined on the reminder's target."""
    horizon = now + timedelta(seconds=max(limits.horizon, 0.0))
    row = ReminderChannel
    return and_(due_condition(now), or_(row.channel.is_(None), channels.available(now, horizon)))


def _claim(session: Session, now: datetime, token: str, limits: ClaimLimits) -> list[ChannelClaim]:
    horizon = now + timedelta(seconds=max(limits.horizon, 0.0))
    row = ReminderChannel
    candidates = session.execute(
        select(Reminder.target, row.channel)
        .outerjoin(row, row.channel == Reminder.target)
        .where(_in_free_channel(now, limits))
        .group_by(Reminder.target, row.channel)
        .order_by(func.min(Reminder.due_at), Reminder.target)
        # More than one claim takes: another instance claiming at this moment may have some.
        .limit(limits.batch_size * 3)
    ).all()
    if not candidates:
        return []
    channels.add_missing(session, [str(t) for t, known in candidates if known is None], now)
    free = channels.take_free(
        session, [str(t) for t, _ in candidates], now, horizon, limits.batch_size
    )
    wanted = _first_due(session, now, free, limits)
    if not wanted:
        return []
    claimed = session.execute(
        update(Reminder)
        .where(Reminder.id.in_(wanted), due_condition(now))
        .values(
            state=kinds.CLAIMED,
            claimed_by=token,
            claimed_until=now + limits.lease,
            attempts=Reminder.attempts + 1,
            # Taken over from a dispatcher that died: it may have posted it.
            in_doubt=or_(Reminder.in_doubt, Reminder.state == kinds.CLAIMED),
        )
        .returning(*_RETURNED)
        .execution_options(synchronize_session=False)
    ).all()
    by_channel: dict[str, list[Due]] = {}
    for found in claimed:
        by_channel.setdefault(str(found.target), []).append(_snapshot(found, token))
    channels.hold(session, list(by_channel), token, now + min(limits.lease, CHANNEL_HOLD))
    held = [
        ChannelClaim(
            channel,
            token,
            max(free[channel], now),
            tuple(sorted(dues, key=lambda d: (d.due_at, d.id))),
        )
        for channel, dues in by_channel.items()
    ]
    return sorted(held, key=lambda c: (c.dues[0].due_at, c.channel))


def _first_due(
    session: Session, now: datetime, free: dict[str, datetime], limits: ClaimLimits
) -> list[int]:
    """The ids of each free channel's first due reminders, as many as fit in the horizon."""
    if not free:
        return []
    most = limits.batch_size
    if limits.interval > 0:
        most = min(most, 1 + int(max(limits.horizon, 0.0) // limits.interval))
    place = (
        func.row_number()
        .over(partition_by=Reminder.target, order_by=(Reminder.due_at, Reminder.id))
        .label("place")
    )
    ranked = (
        select(Reminder.id, Reminder.target, place)
        .where(due_condition(now), Reminder.target.in_(sorted(free)))
        .subquery()
    )
    # Breadth first: every channel's first reminder before any channel's second, so that when
    # the batch runs short (a burst), as many channels as possible get going.
    rows = session.execute(
        select(ranked.c.id, ranked.c.target)
        .where(ranked.c.place <= most)
        .order_by(ranked.c.place, ranked.c.target)
    ).all()
    fits: dict[str, int] = {}
    for channel, free_at in free.items():
        if limits.interval > 0:
            room = limits.horizon - max((free_at - now).total_seconds(), 0.0)
            fits[channel] = 1 + int(max(room, 0.0) // limits.interval)
        else:
            fits[channel] = most
    wanted: list[int] = []
    taken: dict[str, int] = {}
    for reminder_id, target in rows:
        if len(wanted) >= limits.batch_size:
            break
        if taken.get(target, 0) < fits[target]:
            taken[target] = taken.get(target, 0) + 1
            wanted.append(int(reminder_id))
    return wanted
