"""At the start of a meeting: one message per agenda item, whose thread collects its notes.

Slack threads do not nest: a message inside the meeting's thread could not have replies of
its own. So each item's message is posted in the channel of the meeting's thread (where the
announcement is), opening a thread of its own, and becomes the item's thread
(``AgendaItem.thread_ts``, in place of the message posted when the item was submitted); a
reply in the meeting's thread points people there. Replies to an item's message become that
item's notes, files shared there its materials (``handlers/messages.py``).

A non-public item in a channel that is not private (or that is shared with another
organisation) is posted as 「（非公開）」 without its title or summary.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.agenda import set_thread
from bot.deps import Deps
from bot.i18n import t
from bot.materials import materials_of_item
from bot.meetings import get_meeting
from bot.numbering import NUMBERED_STATUSES, ordered_items
from bot.render import render_slack
from bot.slackinfo import channel_info
from bot.text import truncate
from storage.models import AgendaItem, Meeting

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _ItemMessage:
    item_id: int
    text: str


def _claim(deps: Deps, meeting_id: int) -> bool:
    """Mark the meeting's item messages as posted; False when another request already did.

    One conditional UPDATE, so two instances (or a retried start) never post twice.
    """
    with deps.unit_of_work() as session:
        result = session.execute(
            update(Meeting)
            .where(Meeting.id == meeting_id, Meeting.items_posted_at.is_(None))
            .values(items_posted_at=deps.clock.now())
        )
        return bool(getattr(result, "rowcount", 0))


def _item_text(deps: Deps, session: Session, item: AgendaItem, hidden: bool) -> str:
    lang = deps.lang
    kind = t(lang, f"minutes.kind_short.{item.kind}")
    labels = [] if hidden else [m.label(lang) for m in materials_of_item(session, item)]
    separator = "、" if lang == "ja" else ", "
    return render_slack(
        "minutes_item",
        lang,
        heading=t(lang, "minutes.heading", kind=kind, number=item.number),
        ref=f"A{item.id}",
        hidden=hidden,
        title=item.title,
        presenter=item.presenter,
        summary=item.summary,
        materials=separator.join(label for label in labels if label),
    )


def post_item_messages(deps: Deps, meeting_id: int, client: WebClient) -> int:
    """Post one message per live agenda item of the meeting and remember each one's thread.

    Idempotent: ``Meeting.items_posted_at`` records that it was done, so a second
    ``/meeting start`` posts nothing. Returns how many item messages were posted.
    """
    if not _claim(deps, meeting_id):
        return 0
    now = deps.clock.now()
    with deps.unit_of_work() as session:
        meeting = get_meeting(session, meeting_id)
        channel = meeting.announcement_channel or meeting.body.channel_id
        meeting_thread = meeting.announcement_ts if meeting.announcement_channel else None
        items = [
            i
            for i in ordered_items(session, meeting_id)
            if i.status in NUMBERED_STATUSES and i.number is not None
        ]
        safe = (
            any(i.private for i in items)
            and channel_info(session, client, channel, now, fresh=True).safe_for_non_public
        )
        messages = [
            _ItemMessage(i.id, _item_text(deps, session, i, hidden=i.private and not safe))
            for i in items
        ]
    posted = 0
    for message in messages:
        try:
            answer = client.chat_postMessage(
                channel=channel, text=truncate(message.text, 3000), unfurl_links=False
            )
        except SlackApiError as exc:
            log.warning("could not post item A%s: %s", message.item_id, exc.response.get("error"))
            continue
        with deps.unit_of_work() as session:
            set_thread(session, message.item_id, str(answer["channel"]), str(answer["ts"]))
        posted += 1
    if posted and meeting_thread:
        client.chat_postMessage(
            channel=channel,
            thread_ts=meeting_thread,
            text=deps.t("minutes.items_index", count=posted),
        )
    return posted
