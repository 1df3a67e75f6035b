"""The one listener for ``message`` events (bolt runs only the first matching listener).

In an agenda item's thread (the message the bot posted for it at ``/meeting start``):
a reply becomes a note for the minutes, an edit or deletion in Slack follows on the note, and
files shared there become the item's materials — except in the thread of a non-public item
in a place that may not show it (a public or shared channel): there nothing becomes a note or a
material, and the author is told so, ephemerally. Everything else — the bot's own messages,
other subtypes, messages outside item threads — is ignored.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps, deps_of
from bot.errors import UserError
from bot.itemthreads import closed_thread_item
from bot.materials import add_files_from_thread
from bot.notes import delete_note_from_slack, edit_note_from_slack, note_from_reply
from bot.numbering import NUMBERED_STATUSES
from bot.slackinfo import user_info
from handlers.common import make_actor
from handlers.runner import error_text
from storage.models import AgendaItem

log = logging.getLogger(__name__)

REPLY_SUBTYPES = (None, "thread_broadcast")
NOTED_REACTION = "memo"  # :memo: on a reply that became a note


def _from_bot(message: dict[str, Any]) -> bool:
    return bool(message.get("bot_id")) or message.get("subtype") == "bot_message"


def _reply(deps: Deps, event: dict[str, Any], client: WebClient) -> None:
    thread_ts, ts, user = event.get("thread_ts"), event.get("ts"), event.get("user")
    if not (thread_ts and ts and user) or thread_ts == ts:
        return
    channel = str(event.get("channel", ""))
    with deps.unit_of_work() as s:
        closed = closed_thread_item(s, client, channel, str(thread_ts), deps.clock.now())
        if closed is not None:
            started = closed.start_posted_at is not None or closed.meeting.actual_start
            if started and closed.status in NUMBERED_STATUSES:  # it would have been a note
                _tell(deps, client, channel, str(user), "minutes.thread_reply_not_noted", closed)
            return
        note = note_from_reply(
            s,
            channel=channel,
            thread_ts=str(thread_ts),
            ts=str(ts),
            user_id=str(user),
            text=str(event.get("text") or ""),
            now=deps.clock.now(),
        )
    if note is not None and note.speaker is None:
        # Someone not on the roster is named in the minutes by their Slack name: cache it,
        # asking Slack outside the note's transaction (which holds SQLite's write lock).
        with deps.unit_of_work() as s:
            user_info(s, client, str(user), deps.clock.now())
    if note is not None:
        _mark_noted(client, channel, str(ts))


def _mark_noted(client: WebClient, channel: str, ts: str) -> None:
    """A reaction on the reply tells the speaker (and the secretariat) it is in the minutes."""
    try:
        client.reactions_add(channel=channel, timestamp=ts, name=NOTED_REACTION)
    except SlackApiError as exc:  # a courtesy: the note is recorded either way
        if exc.response.get("error") != "already_reacted":  # a retried event
            log.warning("could not mark %s %s as noted: %s", channel, ts, exc.response.get("error"))


def _files(deps: Deps, event: dict[str, Any], client: WebClient) -> None:
    thread_ts, user, channel = event.get("thread_ts"), event.get("user"), event.get("channel")
    if not (thread_ts and user and channel):
        return
    try:
        with deps.unit_of_work() as s:
            closed = closed_thread_item(s, client, str(channel), str(thread_ts), deps.clock.now())
            if closed is not None:
                _tell(
                    deps, client, str(channel), str(user), "minutes.thread_file_not_added", closed
                )
                return
            add_files_from_thread(
                s,
                channel=str(channel),
                thread_ts=str(thread_ts),
                files=list(event.get("files") or []),
                user_id=str(user),
                now=deps.clock.now(),
                actor=make_actor(deps, client, str(user), s),
            )
    except UserError as exc:
        # Only the sharer hears why their file did not become a material.
        client.chat_postEphemeral(
            channel=str(channel), user=str(user), text=error_text(deps.lang, exc)
        )


def _tell(
    deps: Deps, client: WebClient, channel: str, user: str, key: str, item: AgendaItem
) -> None:
    """Tell ``user`` alone why their reply or file in a non-public item's thread was kept
    out of the item's notes or materials."""
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=deps.t(key, ref=f"A{item.id}"))
    except SlackApiError as exc:  # a courtesy: nothing was recorded either way
        log.warning("could not tell %s about A%s: %s", user, item.id, exc.response.get("error"))


def _changed(deps: Deps, event: dict[str, Any]) -> None:
    message = event.get("message") or {}
    if _from_bot(message) or not message.get("ts"):
        return
    with deps.unit_of_work() as s:
        edit_note_from_slack(
            s,
            channel=str(event.get("channel", "")),
            ts=str(message["ts"]),
            text=str(message.get("text") or ""),
            now=deps.clock.now(),
        )


def _deleted(deps: Deps, event: dict[str, Any]) -> None:
    deleted_ts = event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts")
    if not deleted_ts:
        return
    with deps.unit_of_work() as s:
        delete_note_from_slack(
            s, channel=str(event.get("channel", "")), ts=str(deleted_ts), now=deps.clock.now()
        )


def handle_message(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Route one ``message`` event by its subtype."""
    deps = deps_of(context)
    subtype = event.get("subtype")
    try:
        if subtype == "message_changed":
            _changed(deps, event)
        elif subtype == "message_deleted":
            _deleted(deps, event)
        elif _from_bot(event):
            return
        elif event.get("files") and subtype in (*REPLY_SUBTYPES, "file_share"):
            _files(deps, event, client)
        elif subtype in REPLY_SUBTYPES:
            _reply(deps, event, client)
    except Exception:
        # An event has nobody to answer; log it (without tokens) and let Slack move on.
        log.exception("message event (subtype %s) failed", subtype)


def register(app: App) -> None:
    app.event("message")(handle_message)
