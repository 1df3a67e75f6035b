"""Posting about decisions in Slack: the decision in the meeting's thread, and answers.

Everything here runs after the command was acknowledged (it talks to the Web API). Before
anything is worded, the channel it goes to is looked up afresh, and each decision's details
are shown only where :func:`bot.disclosure.clearance_for_place` allows its body: a
private, unshared channel of that body (its own, its parent's or a sub-body's), or the DM of a
user on its roster or secretariat. A DM or an unrelated private channel searches every body, but
shows (and matches) only the non-public decisions of the bodies it is cleared for.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from datetime import date

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answers import Presenter, answer_question, answer_reference, pending_text, posted_text
from bot.bodies import body_for_channel
from bot.decisions import decision_view, get_decision
from bot.deps import Deps
from bot.disclosure import Clearance, dm_partner, place_clearance
from bot.errors import UserError
from bot.meetings import MeetingView
from bot.permissions import Actor
from bot.slackinfo import fetch_channel, refresh_user, store_channel, user_info
from bot.text import Mrkdwn, escape_mrkdwn, truncate
from storage.models import Body

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 3900
_TS = re.compile(r"\d+\.\d+")


def thread_link(client: WebClient, label: str) -> Callable[[MeetingView], Mrkdwn | None]:
    """Links to meetings' threads: Slack's permalink, or one built from the ids if Slack
    cannot be asked. Each meeting is asked about once per answer."""
    cache: dict[int, Mrkdwn | None] = {}

    def link_for(meeting: MeetingView) -> Mrkdwn | None:
        channel, ts = meeting.announcement_channel, meeting.announcement_ts
        if not channel or not ts or not _TS.fullmatch(ts):
            return None
        if meeting.id not in cache:
            cache[meeting.id] = _permalink(client, channel, ts, label)
        return cache[meeting.id]

    return link_for


def _permalink(client: WebClient, channel: str, ts: str, label: str) -> Mrkdwn:
    try:
        url = str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except SlackApiError:
        url = f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"
    return Mrkdwn(f"<{escape_mrkdwn(url)}|{escape_mrkdwn(label)}>")


class LinksAfterwards:
    """Thread links for text worded inside a transaction, asked of Slack after it closed.

    While the text is worded, each link is a placeholder (with a nonce no user text can
    hold); :meth:`fill` then asks Slack for each meeting's permalink once and puts the links
    in, so no transaction stays open while Slack answers.
    """

    def __init__(self, client: WebClient, label: str) -> None:
        self.client, self.label = client, label
        self.nonce = secrets.token_hex(8)
        self.threads: dict[int, tuple[str, str]] = {}

    def link_for(self, meeting: MeetingView) -> Mrkdwn | None:
        channel, ts = meeting.announcement_channel, meeting.announcement_ts
        if not channel or not ts or not _TS.fullmatch(ts):
            return None
        self.threads[meeting.id] = (channel, ts)
        return Mrkdwn(self._placeholder(meeting.id))

    def _placeholder(self, meeting_id: int) -> str:
        return f"\ue000{self.nonce}:{meeting_id}\ue001"

    def fill(self, text: str) -> str:
        for meeting_id, (channel, ts) in self.threads.items():
            placeholder = self._placeholder(meeting_id)
            if placeholder in text:
                text = text.replace(placeholder, _permalink(self.client, channel, ts, self.label))
        return text


def place_clearance_now(
    deps: Deps, client: WebClient, channel: str, user_id: str | None = None
) -> Clearance:
    """What ``channel`` may show (asked by ``user_id``; None for the bot's own posts), Slack
    asked afresh what kind of channel it is.

    Slack is asked before each unit of work that writes what it answered, never inside one
    (on SQLite that would hold the write lock while Slack answers); the last unit of work
    only reads and asks Slack nothing (the DM's partner comes from the first answer).
    """
    now = deps.clock.now()
    fetched = fetch_channel(client, channel)
    with deps.unit_of_work() as session:
        where = store_channel(session, channel, fetched, now)
    if user_id is not None and where.is_im:
        # Who asks, and whether they are an admin, matters only in a DM: cached here first.
        refresh_user(deps.unit_of_work, client, user_id, now)
    with deps.unit_of_work() as session:
        reader = None
        if user_id is not None:
            asker = user_id

            def admin() -> bool:
                return user_info(session, client, asker, now).is_admin

            reader = Actor(user_id=asker, admin_lookup=admin)
        dm = dm_partner(fetched) if fetched is not None and where.is_im else None
        return place_clearance(session, client, where, reader=reader, dm=dm)


def presenter_for(
    deps: Deps,
    clearance: Clearance,
    link_for: Callable[[MeetingView], Mrkdwn | None],
    today: date | None = None,
) -> Presenter:
    """How to word decisions for a place that ``clearance`` describes."""
    return Presenter(
        lang=deps.lang,
        tz=deps.config.tz,
        today=today or deps.clock.now().astimezone(deps.config.tz).date(),
        clearance=clearance,
        link_for=link_for,
    )


def _post(client: WebClient, channel: str, text: str, thread_ts: str | None) -> None:
    client.chat_postMessage(
        channel=channel,
        text=truncate(text, MESSAGE_LIMIT),
        thread_ts=thread_ts,
        unfurl_links=False,
        unfurl_media=False,
    )


def answer_in_channel(
    deps: Deps,
    channel: str,
    user_id: str,
    question: str,
    thread_ts: str | None,
    client: WebClient,
    *,
    body_name: str | None = None,
) -> None:
    """Answer ``question`` (or, when empty, list the pending decisions) in ``channel``.

    The channel's body (or ``body_name``'s) and its sub-bodies are searched; a channel with
    no body searches every body (each decision still shown in full only where its body
    allows). A question that is a reference (``D5``, ``A34``, ``議案2``) is answered with that
    decision, or that item's current one.
    """
    # Slack is asked about the place, then the records are read, then the links are asked
    # for: no transaction is open while Slack answers (on SQLite one that has written holds
    # the write lock, which every other request would wait for).
    clearance = place_clearance_now(deps, client, channel, user_id or None)
    links = LinksAfterwards(client, deps.t("search.thread_link"))
    presenter = presenter_for(deps, clearance, links.link_for)
    with deps.unit_of_work() as s:
        body: Body | None
        try:
            body = body_for_channel(s, channel, body_name)
        except UserError:
            body = None
        if question:
            text = answer_reference(
                s, question, body=body, presenter=presenter, now=deps.clock.now()
            ) or answer_question(s, question, body=body, presenter=presenter)
        elif body is not None:
            text = pending_text(s, body, presenter)
        else:
            text = deps.t("body.none_in_channel")
    text = links.fill(text)
    try:
        _post(client, channel, text, thread_ts)
    except SlackApiError as exc:
        # Not a member of the channel: the asker still gets the answer, privately.
        log.warning("could not answer in %s: %s", channel, exc.response.get("error"))
        if thread_ts is None:
            client.chat_postEphemeral(channel=channel, user=user_id, text=truncate(text, 3000))


def post_decision(deps: Deps, decision_id: int, client: WebClient, closing: bool = False) -> None:
    """Post a recorded (or closed) decision in its meeting's thread, or in the body's
    channel when the meeting has no thread; the public version where the place requires."""
    with deps.unit_of_work() as s:
        decision = get_decision(s, decision_id)
        meeting = decision.item.meeting
        channel = meeting.announcement_channel or meeting.body.channel_id
        thread_ts = meeting.announcement_ts if meeting.announcement_channel else None
        view = decision_view(s, decision)
    clearance = place_clearance_now(deps, client, channel)
    presenter = presenter_for(deps, clearance, thread_link(client, deps.t("search.thread_link")))
    if closing:
        line = presenter.line(view)
        resolution = ""
        if view.resolution and not line["hidden"]:
            resolution = deps.t(
                "decision.closed_resolution",
                resolution=escape_mrkdwn(truncate(view.resolution, 300)),
            )
        text = deps.t(
            "decision.closed_notice",
            ref=view.ref,
            item=line["item"],
            title=escape_mrkdwn(line["title"]),
            resolution=resolution,
        )
    else:
        text = posted_text(view, presenter)
    _post(client, channel, text, thread_ts)
