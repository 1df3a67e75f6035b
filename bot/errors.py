"""Errors that carry a message for the user, never a stack trace."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """A mistake the user can fix: what was wrong and, optionally, the right form.

    Args:
        key: message key in the i18n catalogs (``bot/locales/*.toml``).
        usage: key of the usage line to show as the right form (e.g. ``"usage.meeting.schedule"``).
        params: values substituted into the message.
    """

    def __init__(self, key: str, *, usage: str | None = None, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.usage = usage
        self.params = params

    def with_usage(self, usage: str) -> UserError:
        """Return the same error, showing ``usage`` unless one is already set."""
        if self.usage is None:
            self.usage = usage
        return self


class Forbidden(UserError):
    """The user may not do this; the message says why."""


class NotFound(UserError):
    """A reference (meeting, item, decision, body) that does not exist."""
