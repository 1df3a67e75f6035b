"""What Slack's answers mean for a reminder, and finding a message that did reach Slack.

Each reminder's message carries its key in Slack message metadata, so that a dispatcher
that takes over a reminder whose earlier attempt may have been posted (a crash, a lost
answer) looks for it in the conversation before posting again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

METADATA_EVENT = "secretariat_reminder"
# Slack errors that no retry will fix: the row fails and the secretariat is told.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "restricted_action",
        "msg_too_long",
        "no_text",
        "invalid_blocks",
        "invalid_metadata_format",
    }
)
# Answers after which the message may have been posted all the same.
AMBIGUOUS_ERRORS = frozenset({"internal_error", "fatal_error", "request_timeout"})


def metadata(key: str) -> dict[str, Any]:
    """The message metadata that marks the message of reminder ``key``."""
    return {"event_type": METADATA_EVENT, "event_payload": {"key": key}}


def find_posted(client: WebClient, key: str, channel: str) -> tuple[str, str] | None:
    """The (conversation, ts) of reminder ``key``'s message, if an earlier attempt reached
    Slack after all.

    Raises:
        SlackApiError: a transient failure (429, 5xx): look again later.
    """
    try:
        conversation = channel
        if channel[:1] in ("U", "W"):
            opened = client.conversations_open(users=channel)
            conversation = str((opened.get("channel") or {}).get("id") or channel)
        history = client.conversations_history(
            channel=conversation, limit=100, include_all_metadata=True
        )
    except SlackApiError as exc:
        if transient(exc):
            raise
        log.warning(
            "reminder %s: cannot look for an earlier post (%s); posting",
            key,
            exc.response.get("error"),
        )
        return None
    for message in history.get("messages") or []:
        found = message.get("metadata") or {}
        if (
            found.get("event_type") == METADATA_EVENT
            and (found.get("event_payload") or {}).get("key") == key
        ):
            return conversation, str(message.get("ts"))
    return None


def transient(exc: SlackApiError) -> bool:
    """A 429 or a server error: worth trying again."""
    status = exc.response.status_code
    return bool(status == 429 or status >= 500 or exc.response.get("error") == "ratelimited")


def retry_after(headers: Mapping[str, Any] | None) -> float | None:
    """The Retry-After header in seconds, if given."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(float(str(raw)), 0.0)
            except ValueError:
                return None
    return None
