"""Each conversation's next free moment, in the database so that every dispatcher keeps it.

Slack takes about one ``chat.postMessage`` per second per channel and answers 429 past it.
Paced in each process's memory, several instances each post to a channel once a second, and
together they meet 429s (bench: fan-out, PostgreSQL). Here one row per channel
(``reminder_channels``) says when it may next be posted to, and which dispatcher holds it: a
dispatcher claims reminders only of channels that nobody holds and that are free within its
horizon, holds them while it posts there, and gives them back with the moment after its last
post (the interval, or a 429's Retry-After). These functions run inside the claim's
transaction (``bot.reminders.claims``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.db import is_postgres
from storage.models import ReminderChannel


def available(now: datetime, horizon: datetime) -> ColumnElement[bool]:
    """Held by nobody (or by a dispatcher whose hold lapsed), and free by ``horizon``."""
    return and_(
        or_(ReminderChannel.held_by.is_(None), ReminderChannel.held_until < now),
        ReminderChannel.free_at <= horizon,
    )


def end_lapsed_holds(session: Session, now: datetime) -> None:
    """Forget the holds of dispatchers that died.

    On SQLite this is also the claim's first statement, a write: a transaction that reads
    first and writes later can fail to upgrade its lock when another process wrote between.
    """
    session.execute(
        update(ReminderChannel)
        .where(ReminderChannel.held_until < now)
        .values(held_by=None, held_until=None)
        .execution_options(synchronize_session=False)
    )


def add_missing(session: Session, channels: Collection[str], now: datetime) -> None:
    """A row, free now, for each channel that has none yet (reminders are planned without)."""
    if not channels:
        return
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    # In one order everywhere: two instances adding the same channels wait for each other
    # in the same order, never in a circle.
    session.execute(
        insert(ReminderChannel)
        .values([{"channel": c, "free_at": now} for c in sorted(channels)])
        .on_conflict_do_nothing(index_elements=["channel"])
    )


def take_free(
    session: Session, channels: Sequence[str], now: datetime, horizon: datetime, limit: int
) -> dict[str, datetime]:
    """The first ``limit`` of ``channels`` (in their order) still available, locked for this
    transaction: their free moments. On PostgreSQL the rows another instance is claiming right
    now are skipped, and the next ones taken instead, so that instances claiming at once take
    different channels."""
    taken: dict[str, datetime] = {}
    rest = list(channels)
    while rest and len(taken) < limit:
        asked, rest = rest[: limit - len(taken)], rest[limit - len(taken) :]
        query = (
            select(ReminderChannel.channel, ReminderChannel.free_at)
            .where(ReminderChannel.channel.in_(sorted(asked)), available(now, horizon))
            .order_by(ReminderChannel.channel)
        )
        if is_postgres(session):
            query = query.with_for_update(skip_locked=True)
        taken.update((str(c), free_at) for c, free_at in session.execute(query).all())
    return taken


def hold(session: Session, channels: Collection[str], token: str, until: datetime) -> None:
    """``token``'s dispatcher posts to ``channels`` now; past ``until`` the hold lapses."""
    if channels:
        session.execute(
            update(ReminderChannel)
            .where(ReminderChannel.channel.in_(sorted(channels)))
            .values(held_by=token, held_until=until)
            .execution_options(synchronize_session=False)
        )


def let_go(session: Session, released: Sequence[tuple[str, str, datetime]]) -> None:
    """Each ``(channel, token, free_at)``: ``token``'s dispatcher is done with ``channel``, and
    the next post there may go at ``free_at``."""
    if not released:
        return
    statement = (
        update(ReminderChannel)
        .where(
            ReminderChannel.channel == bindparam("b_channel"),
            ReminderChannel.held_by == bindparam("b_token"),
        )
        .values(held_by=None, held_until=None, free_at=bindparam("b_free_at"))
    )
    # Core execution: one statement for all of them (executemany).
    session.connection().execute(
        statement,
        [{"b_channel": c, "b_token": t, "b_free_at": f} for c, t, f in released],
    )
