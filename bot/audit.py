"""The audit trail: who created, changed, withdrew, decided or published what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.models import AuditEntry


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
    """Add an audit entry in the same transaction as the change it describes."""
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
