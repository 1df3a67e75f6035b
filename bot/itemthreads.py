"""At the start of a meeting: one message per agenda item, whose thread collects its notes.

Slack threads do not nest: a message inside the meeting's thread could not have replies of
its own. So each item's message is posted in the channel of the meeting's thread (where the
announcement is), opening a thread of its own, and becomes the item's thread
(``AgendaItem.thread_ts``, in place of the message posted when the item was submitted); a
reply in the meeting's thread points people there. Replies to an item's message become that
item's notes, files shared there its materials (``handlers/messages.py``).

Disclosure: a meeting that is 非公開 / 一部非公開 (or whose minutes are) has its item
messages posted only in a safe place (:mod:`bot.disclosure`): elsewhere nothing of them is
posted — not even placeholders, whose threads would draw the closed discussion into the
channel and into the minutes — and the secretariat is told why and what to do. In a public
meeting, a non-public item in a place that is not safe is posted as 「（非公開）」 without its
title, summary, presenter or materials, and without the invitation to reply: its thread is
in a place everyone there reads, so replies and files shared in it never become the item's
notes or materials (:func:`closed_thread_item`); the secretariat records them with
``/minutes note``. The same holds for the thread of an item's submission message.

Each item is marked when *its* message is posted (``AgendaItem.start_posted_at``), under a
short claim (``start_claimed_at``) so that two instances, or ``/meeting start`` and the
start-time reminder at once, never post the same item twice. A message Slack refused is
released and posted by the next run; ``Meeting.items_posted_at`` is set once every item has
its message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.agenda import item_by_thread, set_thread
from bot.deps import Deps
from bot.disclosure import is_non_public_item, safe_place
from bot.i18n import t
from bot.materials import materials_of_item
from bot.meetings import get_meeting, meeting_view
from bot.minutes.context import protection
from bot.numbering import NUMBERED_STATUSES, ordered_items
from bot.present import meeting_title
from bot.render import render_slack
from bot.text import channel_mention, escape_mrkdwn, truncate
from storage.models import AgendaItem, Body, Meeting, RosterEntry

log = logging.getLogger(__name__)

# A run that died between claiming an item and recording its message, or whose post ended in
# doubt (no answer from Slack), leaves the claim; after this long another run may take the
# item again (longer than any post with the client's retries).
CLAIM_LEASE = timedelta(minutes=3)
Requester = tuple[str, str]  # (user id, channel id) of whoever ran /meeting start


class ItemPostsIncomplete(RuntimeError):
    """Some item messages could not be posted; the others were. Raised at the end of the run
    so that the caller retries (the reminder dispatcher) or tells the user to (the command
    runner); the next run posts only the missing ones."""


@dataclass(frozen=True)
class _ItemMessage:
    item_id: int
    text: str


@dataclass(frozen=True)
class _Withheld:
    """Why a closed meeting's item messages were not posted, for the secretariat."""

    body_id: int
    text: str


def _live_items(session: Session, meeting_id: int) -> list[AgendaItem]:
    return [
        i
        for i in ordered_items(session, meeting_id)
        if i.status in NUMBERED_STATUSES and i.number is not None
    ]


def closed_thread_item(
    session: Session, client: WebClient, channel: str, thread_ts: str, now: datetime
) -> AgendaItem | None:
    """The item whose thread ``thread_ts`` is, when its replies and files must not become its
    notes or materials: it is non-public and ``channel`` is not a safe place for it (asked
    afresh of Slack, only for a non-public item). None otherwise, or when it is no item's
    thread.
    """
    item = item_by_thread(session, channel, thread_ts)
    if item is None or not is_non_public_item(item):
        return None
    return None if safe_place(session, client, item.meeting.body, channel, now) else item


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


def _withheld(deps: Deps, session: Session, meeting: Meeting, channel: str, count: int) -> str:
    lang = deps.lang
    reasons = protection(session, meeting, lang).reasons
    return deps.t(
        "minutes.items_withheld",
        title=escape_mrkdwn(meeting_title(meeting_view(session, meeting), lang)),
        ref=f"M{meeting.id}",
        disclosure=("、" if lang == "ja" else ", ").join(reasons),
        channel=channel_mention(channel),
        count=count,
    )


def _claim(deps: Deps, item_id: int) -> bool:
    """Take the item for posting; False when it is posted or another run is posting it."""
    now = deps.clock.now()
    with deps.unit_of_work() as session:
        result = session.execute(
            update(AgendaItem)
            .where(
                AgendaItem.id == item_id,
                AgendaItem.start_posted_at.is_(None),
                or_(
                    AgendaItem.start_claimed_at.is_(None),
                    AgendaItem.start_claimed_at < now - CLAIM_LEASE,
                ),
            )
            .values(start_claimed_at=now)
        )
        return bool(getattr(result, "rowcount", 0))


def _release(deps: Deps, item_id: int) -> None:
    with deps.unit_of_work() as session:
        session.execute(
            update(AgendaItem).where(AgendaItem.id == item_id).values(start_claimed_at=None)
        )


def _posted(deps: Deps, item_id: int, channel: str, ts: str) -> None:
    with deps.unit_of_work() as session:
        set_thread(session, item_id, channel, ts)
        session.execute(
            update(AgendaItem)
            .where(AgendaItem.id == item_id)
            .values(start_posted_at=deps.clock.now(), start_claimed_at=None)
        )


def _mark_complete(deps: Deps, meeting_id: int) -> None:
    """``Meeting.items_posted_at`` once every live item has its message."""
    with deps.unit_of_work() as session:
        meeting = get_meeting(session, meeting_id)
        done = all(i.start_posted_at is not None for i in _live_items(session, meeting_id))
        if done and meeting.items_posted_at is None:
            meeting.items_posted_at = deps.clock.now()


def _secretariat_ids(session: Session, body: Body) -> list[str]:
    ids = [body.created_by]
    ids += session.scalars(
        select(RosterEntry.user_id)
        .where(RosterEntry.body_id == body.id, RosterEntry.role == "secretariat")
        .order_by(RosterEntry.position, RosterEntry.id)
    ).all()
    return list(dict.fromkeys(i for i in ids if i))


def _tell_secretariat(
    deps: Deps, client: WebClient, withheld: _Withheld, requested_by: Requester | None
) -> None:
    """The one who ran ``/meeting start`` hears it there; at the start time, the body's
    secretariat hears it by DM (nobody else is waiting for the messages)."""
    if requested_by is not None:
        user, channel = requested_by
        client.chat_postEphemeral(channel=channel, user=user, text=withheld.text)
        return
    with deps.unit_of_work() as session:
        body = session.get(Body, withheld.body_id)
        users = _secretariat_ids(session, body) if body is not None else []
    for user in users:
        try:
            opened = client.conversations_open(users=user)
            client.chat_postMessage(channel=str(opened["channel"]["id"]), text=withheld.text)
        except SlackApiError as exc:
            error = exc.response.get("error")
            log.warning("could not tell %s about withheld items: %s", user, error)


def post_item_messages(
    deps: Deps, meeting_id: int, client: WebClient, *, requested_by: Requester | None = None
) -> int:
    """Post one message per live agenda item of the meeting that has none yet.

    Idempotent and safe to retry: an item whose message is posted is never posted again, and
    one whose message failed is posted by the next run (``/meeting start`` again, or the
    reminder's retry).

    Args:
        deps: the bot's dependencies.
        meeting_id: whose items.
        client: the Web API client.
        requested_by: who ran ``/meeting start`` and where, to hear (ephemerally) why a
            closed meeting's items were withheld; without it the body's secretariat gets a DM.

    Returns:
        How many item messages this run posted.

    Raises:
        ItemPostsIncomplete: some messages could not be posted (the others were).
    """
    now = deps.clock.now()
    withheld: _Withheld | None = None
    messages: list[_ItemMessage] = []
    with deps.unit_of_work() as session:
        meeting = get_meeting(session, meeting_id)
        channel = meeting.announcement_channel or meeting.body.channel_id
        meeting_thread = meeting.announcement_ts if meeting.announcement_channel else None
        pending = [i for i in _live_items(session, meeting_id) if i.start_posted_at is None]
        closed = meeting_view(session, meeting).is_non_public
        if pending:
            # Slack is asked only when something non-public is at stake.
            at_stake = closed or any(i.private for i in pending)
            safe = at_stake and safe_place(session, client, meeting.body, channel, now)
            if closed and not safe:
                text = _withheld(deps, session, meeting, channel, len(pending))
                withheld = _Withheld(meeting.body_id, text)
            else:
                messages = [
                    _ItemMessage(i.id, _item_text(deps, session, i, hidden=i.private and not safe))
                    for i in pending
                ]
    if withheld is not None:
        _tell_secretariat(deps, client, withheld, requested_by)
        return 0
    posted = failed = 0
    for message in messages:
        if not _claim(deps, message.item_id):
            continue  # posted, or being posted by another run right now
        try:
            answer = client.chat_postMessage(
                channel=channel, text=truncate(message.text, 3000), unfurl_links=False
            )
        except SlackApiError as exc:
            # Slack answered no: nothing was posted. Released at once, so the next run posts
            # it; the other items still go out.
            _release(deps, message.item_id)
            failed += 1
            log.warning("could not post item A%s: %s", message.item_id, exc.response.get("error"))
            continue
        except Exception as exc:
            # No answer: the message may be in the channel. The claim stays until it lapses,
            # so a run right after this one does not post it a second time.
            failed += 1
            log.warning(
                "item A%s: post in doubt (%r); retried after the lease", message.item_id, exc
            )
            continue
        _posted(deps, message.item_id, str(answer["channel"]), str(answer["ts"]))
        posted += 1
    _mark_complete(deps, meeting_id)
    if posted and meeting_thread:
        try:
            client.chat_postMessage(
                channel=channel,
                thread_ts=meeting_thread,
                text=deps.t("minutes.items_index", count=posted),
            )
        except SlackApiError as exc:  # a pointer only: the item messages are what matters
            log.warning("could not post the item index of M%s: %s", meeting_id, exc)
    if failed:
        raise ItemPostsIncomplete(f"M{meeting_id}: {failed} item message(s) not posted")
    return posted


def post_if_in_progress(
    deps: Deps, meeting_id: int, client: WebClient, *, requested_by: Requester | None = None
) -> None:
    """Post the item message of an item added while its meeting is in progress (the others
    got theirs at the start), so that what is said about it is noted like the rest."""
    with deps.unit_of_work() as session:
        meeting = get_meeting(session, meeting_id)
        in_progress = meeting.items_posted_at is not None and meeting.actual_end is None
    if in_progress:
        post_item_messages(deps, meeting_id, client, requested_by=requested_by)
