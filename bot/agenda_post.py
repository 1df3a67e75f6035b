"""Posting agenda items and agendas in Slack. Everything here runs after the ack.

A submitted item gets its own message in the body's channel; that message's thread is the
item's thread, where shared files become its materials. A late item's message asks the
secretariat to accept or reject it, with buttons. A non-public item is detailed only where
:mod:`bot.disclosure` allows; elsewhere its message reads 「（非公開）」.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.agenda import Submitted, get_item, item_view, set_thread
from bot.agenda_deadlines import deadlines_for
from bot.agenda_view import (
    SlackMessage,
    agenda_chunks,
    agenda_sheet,
    meeting_has_non_public,
    pack_messages,
)
from bot.deps import Deps
from bot.disclosure import is_non_public_item, safe_place
from bot.i18n import t
from bot.meetings import get_meeting, meeting_view
from bot.present import local_date_time, meeting_title
from bot.text import escape_mrkdwn, truncate, user_mention
from storage.models import Body, RosterEntry

ACCEPT_ACTION = "agenda_accept_late"
REJECT_ACTION = "agenda_reject_late"


def secretariat_ids(session: Session, body: Body) -> list[str]:
    """Who runs ``body``: its founder and its secretariat roster entries."""
    ids = [body.created_by]
    for user_id in session.scalars(
        select(RosterEntry.user_id)
        .where(RosterEntry.body_id == body.id, RosterEntry.role == "secretariat")
        .order_by(RosterEntry.position, RosterEntry.id)
    ):
        if user_id not in ids:
            ids.append(user_id)
    return ids


def item_message_text(
    deps: Deps, session: Session, item_id: int, *, public_only: bool
) -> tuple[str, str, bool]:
    """The item's announcement text, the channel it goes to, and whether it is late.

    ``public_only``: a non-public item (flagged so, or of a non-public meeting) reads
    「（非公開）」 with its reference and number only; its submitter already saw the details
    in the confirmation only they see.
    """
    lang, tz = deps.lang, deps.config.tz
    item = get_item(session, item_id)
    view = item_view(item)
    meeting = item.meeting
    params: dict[str, Any] = {
        "kind": t(lang, f"agenda.kind_one.{view.kind}"),
        "number": view.number if view.number is not None else "-",
        "meeting": escape_mrkdwn(meeting_title(meeting_view(session, meeting), lang)),
        "ref": view.ref,
    }
    if public_only and is_non_public_item(item):
        text = t(lang, "agenda.posted_item_hidden", **params)
    else:
        text = t(
            lang,
            "agenda.posted_item",
            title=escape_mrkdwn(view.title),
            submitter=user_mention(view.submitter_id),
            presenter=escape_mrkdwn(view.presenter or "-"),
            **params,
        )
    if view.late and view.status == "submitted":
        deadline = deadlines_for(meeting.body, meeting.starts_at, deps.calendar, tz).agenda
        mentions = " ".join(user_mention(u) for u in secretariat_ids(session, meeting.body))
        text += "\n" + t(
            lang,
            "agenda.posted_late",
            deadline=local_date_time(deadline, lang, tz),
            secretariat=mentions,
        )
    return text, meeting.body.channel_id, view.late and view.status == "submitted"


def item_hidden_in(
    deps: Deps, session: Session, client: WebClient, item_id: int, channel: str
) -> bool:
    """Whether item ``item_id`` is non-public and must not be detailed in ``channel``."""
    item = get_item(session, item_id)
    if not is_non_public_item(item):
        return False  # nothing to hide, and no need to ask Slack about the channel
    body = item.meeting.body
    return not safe_place(session, client, body, channel, deps.clock.now())


def late_buttons(deps: Deps, item_id: int) -> dict[str, Any]:
    """Accept / Reject buttons for a late item."""
    return {
        "type": "actions",
        "block_id": f"agenda-late-{item_id}",
        "elements": [
            {
                "type": "button",
                "action_id": ACCEPT_ACTION,
                "style": "primary",
                "text": {"type": "plain_text", "text": deps.t("agenda.button_accept")},
                "value": str(item_id),
            },
            {
                "type": "button",
                "action_id": REJECT_ACTION,
                "style": "danger",
                "text": {"type": "plain_text", "text": deps.t("agenda.button_reject")},
                "value": str(item_id),
            },
        ],
    }


def post_item(deps: Deps, item_id: int, client: WebClient) -> None:
    """Post the item in its body's channel and make that message the item's thread."""
    with deps.unit_of_work() as session:
        channel = get_item(session, item_id).meeting.body.channel_id
        hidden = item_hidden_in(deps, session, client, item_id, channel)
        text, channel, late = item_message_text(deps, session, item_id, public_only=hidden)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}
    ]
    if late:
        blocks.append(late_buttons(deps, item_id))
    posted = client.chat_postMessage(
        channel=channel, text=truncate(text, 3000), blocks=blocks, unfurl_links=False
    )
    with deps.unit_of_work() as session:
        set_thread(session, item_id, str(posted["channel"]), str(posted["ts"]))


def agenda_messages(deps: Deps, meeting_id: int, *, public_only: bool) -> list[SlackMessage]:
    """The agenda of a meeting as one or more messages within Slack's limits.

    ``public_only``: the public version (see :mod:`bot.disclosure` for who gets which).
    """
    with deps.unit_of_work() as session:
        sheet = agenda_sheet(session, meeting_id, deps.calendar, deps.config.tz)
    return pack_messages(agenda_chunks(sheet, deps.lang, deps.config.tz, public_only=public_only))


def post_messages(client: WebClient, channel: str, messages: list[SlackMessage]) -> None:
    """Post ``messages`` in ``channel``, in order."""
    for message in messages:
        client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks, unfurl_links=False
        )


def post_agenda(deps: Deps, meeting_id: int, client: WebClient) -> None:
    """Post the agenda with its materials labels in the body's channel: the full version
    only where the body's non-public content may go, else the public version."""
    with deps.unit_of_work() as session:
        meeting = get_meeting(session, meeting_id)
        channel = meeting.body.channel_id
        sheet = agenda_sheet(session, meeting_id, deps.calendar, deps.config.tz)
        public_only = not meeting_has_non_public(session, meeting) or not safe_place(
            session, client, meeting.body, channel, deps.clock.now()
        )
    chunks = agenda_chunks(sheet, deps.lang, deps.config.tz, public_only=public_only)
    post_messages(client, channel, pack_messages(chunks))


def send_ephemeral(
    client: WebClient, channel: str, user_id: str, messages: list[SlackMessage]
) -> None:
    """Show ``messages`` to ``user_id`` only."""
    for message in messages:
        client.chat_postEphemeral(
            channel=channel, user=user_id, text=message.text, blocks=message.blocks
        )


def submitted_text(deps: Deps, done: Submitted, meeting: str) -> str:
    """The confirmation of a submission, with the late warning when it is late."""
    item = done.item
    text = str(
        deps.t(
            "agenda.submitted",
            kind=deps.t(f"agenda.kind_one.{item.kind}"),
            number=item.number,
            title=escape_mrkdwn(item.title),
            meeting=meeting,
            ref=item.ref,
        )
    )
    if done.late:
        deadline = local_date_time(done.deadline, deps.lang, deps.config.tz)
        text += "\n" + str(deps.t("agenda.submitted_late", deadline=deadline))
    return text


def notify_rejected(deps: Deps, item_id: int, client: WebClient) -> None:
    """Tell the submitter, in the item's thread, that it was rejected and why."""
    with deps.unit_of_work() as session:
        view = item_view(get_item(session, item_id))
        if not (view.thread_channel and view.thread_ts):
            return
        hidden = item_hidden_in(deps, session, client, item_id, view.thread_channel)
    user = user_mention(view.submitter_id)
    if hidden:  # the thread is where the item may not be detailed: no title, no reason
        text = deps.t("agenda.rejected_notice_hidden", user=user, ref=view.ref)
    else:
        text = deps.t(
            "agenda.rejected_notice",
            user=user,
            ref=view.ref,
            title=escape_mrkdwn(view.title),
            reason=escape_mrkdwn(view.status_reason or "-"),
        )
    client.chat_postMessage(channel=view.thread_channel, thread_ts=view.thread_ts, text=text)
