"""A per-user limit on submissions, counted in the database so every instance shares it.

A submission (an agenda item, a material) is recorded in the audit trail in the same
transaction that writes it, so the audit rows of the last minutes are the count: no
separate table, nothing kept in a process's memory, and a refused submission leaves no row.
The secretariat of the body enters agendas in bulk and is not limited; the limit is there
for anyone in the channel, who may submit without being on the roster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.permissions import secretariat_of
from storage.models import AuditEntry, Body

# Audit actions that count as one submission each.
SUBMISSION_ACTIONS = ("agenda.submit", "materials.add")
SUBMISSION_LIMIT = 20
SUBMISSION_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class RateLimit:
    """How many submissions one user may make in a sliding window."""

    limit: int = SUBMISSION_LIMIT
    window: timedelta = SUBMISSION_WINDOW


class SubmissionRateExceeded(UserError):
    """Too many submissions in the window; ``minutes`` says when to try again."""


def check_submission_rate(
    session: Session,
    user_id: str,
    now: datetime,
    *,
    body_id: int | None = None,
    rate: RateLimit = RateLimit(),
) -> None:
    """Refuse one more submission by ``user_id`` when the window is already full.

    Args:
        session: the unit of work that is about to record the submission.
        user_id: who submits.
        now: the clock's now (the window ends here).
        body_id: the body submitted to; its secretariat (or a parent's) is not limited.
        rate: the limit and window.

    Raises:
        SubmissionRateExceeded: with ``minutes`` (until a slot frees up) and ``limit``.
    """
    since = now - rate.window
    recent = (
        select(AuditEntry.at)
        .where(
            AuditEntry.user_id == user_id,
            AuditEntry.action.in_(SUBMISSION_ACTIONS),
            AuditEntry.at > since,
        )
        .order_by(AuditEntry.at.desc())
        .limit(rate.limit)
    )
    times = list(session.scalars(recent))
    if len(times) < rate.limit:
        return
    if body_id is not None:
        body = session.get(Body, body_id)
        if body is not None and secretariat_of(session, body, user_id):
            return
    # The oldest of the last ``limit`` submissions leaves the window first.
    frees_at = min(times) + rate.window
    minutes = max(1, math.ceil((frees_at - now).total_seconds() / 60))
    raise SubmissionRateExceeded(
        "reliability.rate_limited",
        minutes=minutes,
        limit=rate.limit,
        window=int(rate.window.total_seconds() // 60),
    )


def submissions_in_window(
    session: Session, user_id: str, now: datetime, rate: RateLimit = RateLimit()
) -> int:
    """How many submissions ``user_id`` made in the window ending at ``now``."""
    count = session.scalar(
        select(func.count()).where(
            AuditEntry.user_id == user_id,
            AuditEntry.action.in_(SUBMISSION_ACTIONS),
            AuditEntry.at > now - rate.window,
        )
    )
    return int(count or 0)
