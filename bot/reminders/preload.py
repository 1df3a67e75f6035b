"""What a batch of due reminders reads in common, in a few statements for the whole batch
instead of several for each reminder (bench: fan-out): their meetings and decisions (loaded
into the session, so that ``session.get`` finds them), the meetings' numbers (第N回), which
meetings have an agenda at all, and the other open reminders of the same meetings and
decisions (to tell whether a later one of the same family supersedes a reminder).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from bot import numbering
from bot.meetings import meeting_numbers
from bot.reminders import kinds
from storage.models import AgendaItem, Decision, Meeting, Reminder

if TYPE_CHECKING:
    from bot.reminders.content import Due

_Sibling = tuple[str, str, str, datetime, datetime | None]


@dataclass(frozen=True)
class Preloaded:
    """What a batch of reminders reads in common: their meetings and decisions (loaded into
    the session, so that ``session.get`` finds them), the other open reminders of the same
    meetings and decisions, and which meetings have an agenda at all."""

    siblings: dict[tuple[str, int], list[_Sibling]]
    with_agenda: frozenset[int]
    # Held here because the session's identity map keeps its objects only while someone does.
    records: tuple[Meeting | Decision, ...]
    numbers: dict[int, int | None]  # 第N回 of each meeting involved

    @classmethod
    def of(cls, session: Session, dues: Sequence[Due]) -> Preloaded:
        meeting_ids = sorted({d.meeting_id for d in dues if d.meeting_id is not None})
        decision_ids = sorted({d.decision_id for d in dues if d.decision_id is not None})
        with_agenda: frozenset[int] = frozenset()
        records: list[Meeting | Decision] = []
        if meeting_ids:
            records += session.scalars(
                select(Meeting).where(Meeting.id.in_(meeting_ids)).options(joinedload(Meeting.body))
            ).all()
            with_agenda = frozenset(
                session.scalars(
                    select(AgendaItem.meeting_id)
                    .where(
                        AgendaItem.meeting_id.in_(meeting_ids),
                        AgendaItem.status.in_(numbering.NUMBERED_STATUSES),
                    )
                    .distinct()
                ).all()
            )
        if decision_ids:
            records += session.scalars(
                select(Decision)
                .where(Decision.id.in_(decision_ids))
                .options(
                    joinedload(Decision.item)
                    .joinedload(AgendaItem.meeting)
                    .joinedload(Meeting.body)
                )
            ).all()
        meetings = [r if isinstance(r, Meeting) else r.item.meeting for r in records]
        numbers = meeting_numbers(session, meetings)
        return cls(_siblings(session, dues), with_agenda, tuple(records), numbers)

    def superseded_by(self, due: Due, now: datetime) -> str | None:
        """The key of a later reminder of ``due``'s family and owner that is also due."""
        family = next((f for f in kinds.FAMILIES if due.kind in f), None)
        owner = _owner(due)
        if family is None or owner is None:
            return None
        for key, kind, state, due_at, next_attempt_at in self.siblings.get(owner, []):
            if (
                kind in family
                and state in kinds.OPEN_STATES
                and due_at > due.due_at
                and (next_attempt_at or due_at) <= now
            ):
                return key
        return None


def _owner(due: Due) -> tuple[str, int] | None:
    if due.meeting_id is not None:
        return ("meeting", due.meeting_id)
    if due.decision_id is not None:
        return ("decision", due.decision_id)
    return None


def _siblings(session: Session, dues: Sequence[Due]) -> dict[tuple[str, int], list[_Sibling]]:
    in_family = [d for d in dues if any(d.kind in f for f in kinds.FAMILIES)]
    meetings = sorted({d.meeting_id for d in in_family if d.meeting_id is not None})
    decisions = sorted(
        {d.decision_id for d in in_family if d.meeting_id is None and d.decision_id is not None}
    )
    found: dict[tuple[str, int], list[_Sibling]] = {}
    if not meetings and not decisions:
        return found
    # Only the owners in SQL, the rest checked in Python: given the state and time conditions
    # too, SQLite reads every open reminder through the (state, due_at) index instead of the
    # few of these meetings and decisions (bench: growth).
    rows = session.execute(
        select(
            Reminder.key,
            Reminder.kind,
            Reminder.state,
            Reminder.due_at,
            Reminder.next_attempt_at,
            Reminder.meeting_id,
            Reminder.decision_id,
        )
        .where(or_(Reminder.meeting_id.in_(meetings), Reminder.decision_id.in_(decisions)))
        .order_by(Reminder.id)
    ).all()
    wanted_meetings, wanted_decisions = set(meetings), set(decisions)
    for key, kind, state, due_at, next_attempt_at, meeting_id, decision_id in rows:
        value = (str(key), str(kind), str(state), due_at, next_attempt_at)
        if meeting_id in wanted_meetings:
            found.setdefault(("meeting", meeting_id), []).append(value)
        if decision_id in wanted_decisions:
            found.setdefault(("decision", decision_id), []).append(value)
    return found
