"""The audit trail: who created, changed, withdrew, decided or published what."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ratelimit import SUBMISSION_ACTIONS, check_submission_rate
from storage.models import AuditEntry

# Objects users name by a short reference (M12, A34, D5).
_REF_PREFIX = {"meeting": "M", "agenda_item": "A", "decision": "D"}
MAX_SHOWN = 100


@dataclass(frozen=True)
class AuditView:
    """One line of the trail, as the secretariat sees it."""

    id: int
    at: datetime
    user_id: str
    action: str
    body_id: int | None
    object_type: str
    object_id: int | None
    detail: str | None

    @property
    def ref(self) -> str:
        """``M12`` / ``A34`` / ``D5``, or ``material#3`` for objects without a reference."""
        if self.object_id is None:
            return self.object_type
        prefix = _REF_PREFIX.get(self.object_type)
        return f"{prefix}{self.object_id}" if prefix else f"{self.object_type}#{self.object_id}"


def record(
    session: Session,
    at: datetime,
    user_id: str,
    action: str,
    body_id: int | None,
    object_type: str,
    object_id: int | None,
    detail: str | None = None,
) -> None:
    """Add an audit entry in the same transaction as the change it describes.

    Every submission passes through here, so this is where the per-user submission limit
    (``bot.ratelimit``) is enforced: a refused submission raises before the entry is added
    and its unit of work rolls back, leaving nothing written.
    """
    if action in SUBMISSION_ACTIONS and user_id != "system":
        check_submission_rate(session, user_id, at, body_id=body_id)
    session.add(
        AuditEntry(
            at=at,
            user_id=user_id,
            action=action,
            body_id=body_id,
            object_type=object_type,
            object_id=object_id,
            detail=detail[:2000] if detail else None,
        )
    )


def recent_entries(session: Session, body_ids: Sequence[int], limit: int = 20) -> list[AuditView]:
    """The newest entries of the given bodies, newest first.

    Args:
        session: any session.
        body_ids: the bodies whose trail to show (a 本部 and its PTs).
        limit: how many entries, at most ``MAX_SHOWN``.
    """
    rows = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.body_id.in_(list(body_ids)))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(max(1, min(limit, MAX_SHOWN)))
    ).all()
    return [
        AuditView(
            id=row.id,
            at=row.at,
            user_id=row.user_id,
            action=row.action,
            body_id=row.body_id,
            object_type=row.object_type,
            object_id=row.object_id,
            detail=row.detail,
        )
        for row in rows
    ]
