"""The Accept / Reject buttons on a late item's message (for the secretariat)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import agenda, agenda_changes
from bot.agenda_post import (
    ACCEPT_ACTION,
    REJECT_ACTION,
    item_hidden_in,
    item_message_text,
    notify_rejected,
)
from bot.deps import deps_of
from bot.errors import UserError
from bot.text import truncate, user_mention
from handlers.common import make_actor
from handlers.runner import error_text

log = logging.getLogger(__name__)


def handle_late_decision(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Accept or reject the late item; the message then says who decided, without buttons."""
    ack()
    deps = deps_of(context)
    action = body["actions"][0]
    accepting = action["action_id"] == ACCEPT_ACTION
    user_id = str(body["user"]["id"])
    channel = str((body.get("channel") or {}).get("id") or "")
    message_ts = str(
        (body.get("message") or {}).get("ts") or body.get("container", {}).get("message_ts", "")
    )
    value = str(action.get("value") or "")
    if not value.isdigit():
        log.warning("late-item button without an item id: %r", value)
        return
    now = deps.clock.now()
    try:
        with deps.unit_of_work() as s:
            item = agenda.get_item(s, int(value))
            actor = make_actor(deps, client, user_id, s)
            if accepting:
                view = agenda_changes.accept_item(s, item, actor=actor, now=now)
            else:
                view = agenda_changes.reject_item(s, item, None, actor=actor, now=now)
            # The message being updated is in ``channel``: detailed only where that is allowed.
            hidden = item_hidden_in(deps, s, client, view.id, channel) if channel else True
            text, _, _ = item_message_text(deps, s, view.id, public_only=hidden)
    except UserError as exc:
        if channel:
            client.chat_postEphemeral(
                channel=channel, user=user_id, text=error_text(deps.lang, exc)
            )
        return
    status = deps.t(f"agenda.status.{view.status}")
    text += "\n" + deps.t("agenda.decided_by", user=user_mention(user_id), status=status)
    if channel and message_ts:
        client.chat_update(
            channel=channel,
            ts=message_ts,
            text=truncate(text, 3000),
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}],
        )
    if not accepting:
        notify_rejected(deps, view.id, client)


def register(app: App) -> None:
    app.action(ACCEPT_ACTION)(handle_late_decision)
    app.action(REJECT_ACTION)(handle_late_decision)
