"""Who may do what (PRODUCT.md, "Who may do what")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import Forbidden
from storage.models import Body, RosterEntry


@dataclass(frozen=True)
class Actor:
    """The user behind a request. The admin flag is looked up only when a check needs it."""

    user_id: str
    admin_lookup: Callable[[], bool] = field(default=lambda: False, compare=False)

    def is_workspace_admin(self) -> bool:
        return self.admin_lookup()


def secretariat_of(session: Session, body: Body, user_id: str) -> bool:
    """Whether ``user_id`` is on the secretariat of ``body`` or of a body above it.

    The user who set a body up is its first secretariat member; a 本部's secretariat also
    runs the PTs under it.
    """
    current: Body | None = body
    seen: set[int] = set()
    while current is not None and current.id not in seen:
        seen.add(current.id)
        if current.created_by == user_id:
            return True
        role = session.scalar(
            select(RosterEntry.role).where(
                RosterEntry.body_id == current.id, RosterEntry.user_id == user_id
            )
        )
        if role == "secretariat":
            return True
        current = current.parent
    return False


def is_secretariat(session: Session, body: Body, actor: Actor) -> bool:
    """The body's secretariat or a Slack workspace admin."""
    return secretariat_of(session, body, actor.user_id) or actor.is_workspace_admin()


def require_secretariat(session: Session, body: Body, actor: Actor, action: str) -> None:
    """Refuse ``action`` unless ``actor`` is the body's secretariat or a workspace admin."""
    if not is_secretariat(session, body, actor):
        raise Forbidden("perm.secretariat_only", action=f"action.{action}", body=body.name)
