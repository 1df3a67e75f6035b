"""Every text a user typed fits its column, on PostgreSQL as on SQLite.

SQLite stores a 900-character place in a VARCHAR(300) without a word; PostgreSQL refuses
it, which used to surface as "try again later" for input that could never succeed. One
check before each flush covers every model and every path (commands, modals, events), and
raising it rolls the whole unit of work back: nothing is half-written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session

from bot.errors import UserError


class FieldTooLong(UserError):
    """A value longer than its column allows; the message names the field and the limit."""


def _check(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.new, *session.dirty):
        mapper = inspect(obj).mapper
        for column in mapper.columns:
            limit = getattr(column.type, "length", None)
            if not isinstance(column.type, String) or not limit:
                continue
            value = getattr(obj, mapper.get_property_by_column(column).key, None)
            if isinstance(value, str) and len(value) > limit:
                raise FieldTooLong(
                    "error.field_too_long",
                    field=f"field.{mapper.local_table.name}.{column.name}",
                    length=len(value),
                    limit=limit,
                )


def install() -> None:
    """Check lengths before every flush of every session (idempotent)."""
    if not event.contains(Session, "before_flush", _check):
        event.listen(Session, "before_flush", _check)
