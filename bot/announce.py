"""Announcing meetings in Slack: the message with Attend / Absent buttons and the .ics file.

Everything here runs after the command was acknowledged: it talks to the Web API.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.dates import parse_offset
from bot.deps import Deps
from bot.ics import meeting_ics
from bot.meetings import MeetingView, get_meeting, meeting_view, set_announcement
from bot.present import disclosure_label, local_date_time, meeting_title, meeting_when
from bot.render import render_slack
from bot.text import truncate
from storage.models import Body, Meeting

log = logging.getLogger(__name__)

ATTEND_ACTION = "meeting_attend"
ABSENT_ACTION = "meeting_absent"
SECTION_LIMIT = 3000


def announcement_text(deps: Deps, meeting: MeetingView, body: Body, parent_of: str | None) -> str:
    """The announcement's words, from templates/slack/announcement.<lang>.j2."""
    tz, lang = deps.config.tz, deps.lang
    deadline = parse_offset(body.agenda_deadline).before(meeting.starts_at, deps.calendar, tz)
    return render_slack(
        "announcement",
        lang,
        title=meeting_title(meeting, lang),
        when=meeting_when(meeting, lang, tz),
        place=meeting.place,
        disclosure=disclosure_label(meeting.disclosure, lang),
        reason=meeting.disclosure_reason if meeting.disclosure != "public" else None,
        agenda_deadline=local_date_time(deadline, lang, tz),
        parent_of=parent_of,
        ref=meeting.ref,
        cancelled=meeting.status == "cancelled",
        cancel_reason=meeting.cancel_reason,
    )


def announcement_blocks(deps: Deps, text: str, meeting: MeetingView) -> list[dict[str, Any]]:
    """Block Kit: the text, then Attend / Absent buttons carrying the meeting id."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}}
    ]
    if meeting.status == "scheduled":
        blocks.append(
            {
                "type": "actions",
                "block_id": f"attendance-{meeting.id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": ATTEND_ACTION,
                        "text": {"type": "plain_text", "text": deps.t("meeting.button_attend")},
                        "style": "primary",
                        "value": str(meeting.id),
                    },
                    {
                        "type": "button",
                        "action_id": ABSENT_ACTION,
                        "text": {"type": "plain_text", "text": deps.t("meeting.button_absent")},
                        "value": str(meeting.id),
                    },
                ],
            }
        )
    return blocks


def announce(deps: Deps, meeting_id: int, client: WebClient) -> None:
    """Post the announcement in the body's channel, attach the .ics in its thread, remember
    the thread, and list a PT's meeting in its parent's channel too."""
    with deps.unit_of_work() as session:
        meeting = get_meeting(session, meeting_id)
        view = meeting_view(session, meeting)
        body = meeting.body
        parent = body.parent
        text = announcement_text(deps, view, body, parent.name if parent else None)
        parent_channel = parent.channel_id if parent else None
    title = meeting_title(view, deps.lang)
    posted = client.chat_postMessage(
        channel=view.body_channel,
        text=truncate(text, 3000),
        blocks=announcement_blocks(deps, text, view),
        unfurl_links=False,
    )
    channel, ts = str(posted["channel"]), str(posted["ts"])
    with deps.unit_of_work() as session:
        set_announcement(session, meeting_id, channel, ts)
    _upload_ics(deps, client, view, title, channel, ts)
    if parent_channel and parent_channel != channel:
        client.chat_postMessage(
            channel=parent_channel,
            text=deps.t(
                "meeting.listed_in_parent",
                title=title,
                when=meeting_when(view, deps.lang, deps.config.tz),
                ref=view.ref,
            ),
            unfurl_links=False,
        )


def _upload_ics(
    deps: Deps, client: WebClient, view: MeetingView, title: str, channel: str, ts: str
) -> None:
    content = meeting_ics(view, title=title, tz=deps.config.tz, now=deps.clock.now())
    try:
        client.files_upload_v2(
            channel=channel,
            thread_ts=ts,
            content=content,
            filename=f"meeting-{view.id}.ics",
            title=title,
        )
    except SlackApiError as exc:
        log.warning("could not attach the .ics to M%s: %s", view.id, exc.response.get("error"))


def refresh_announcement(deps: Deps, meeting_id: int, client: WebClient, notice: str) -> None:
    """After a move or cancellation: update the announcement and say what changed in its
    thread (with a fresh .ics), so nobody goes by the old time."""
    with deps.unit_of_work() as session:
        meeting = get_meeting(session, meeting_id)
        view = meeting_view(session, meeting)
        body = meeting.body
        text = announcement_text(deps, view, body, body.parent.name if body.parent else None)
    if not (view.announcement_channel and view.announcement_ts):
        announce(deps, meeting_id, client)
        return
    client.chat_update(
        channel=view.announcement_channel,
        ts=view.announcement_ts,
        text=truncate(text, 3000),
        blocks=announcement_blocks(deps, text, view),
    )
    client.chat_postMessage(
        channel=view.announcement_channel,
        thread_ts=view.announcement_ts,
        reply_broadcast=True,
        text=notice,
    )
    _upload_ics(
        deps,
        client,
        view,
        meeting_title(view, deps.lang),
        view.announcement_channel,
        view.announcement_ts,
    )


def refresh_numbering(deps: Deps, body_id: int, client: WebClient, *, changed: int) -> None:
    """Update the other upcoming announcements of the body after ``changed`` was scheduled,
    moved or cancelled: 第N回 follows the start times, so a later meeting's number may have
    changed, and an announcement must not show a number the meeting no longer has."""
    now = deps.clock.now()
    with deps.unit_of_work() as session:
        others = session.scalars(
            select(Meeting).where(
                Meeting.body_id == body_id,
                Meeting.id != changed,
                Meeting.status == "scheduled",
                Meeting.starts_at > now,
                Meeting.announcement_ts.is_not(None),
            )
        ).all()
        updates = []
        for meeting in others:
            view = meeting_view(session, meeting)
            body = meeting.body
            text = announcement_text(deps, view, body, body.parent.name if body.parent else None)
            updates.append((view, text))
    for view, text in updates:
        try:
            client.chat_update(
                channel=str(view.announcement_channel),
                ts=str(view.announcement_ts),
                text=truncate(text, 3000),
                blocks=announcement_blocks(deps, text, view),
            )
        except SlackApiError as exc:
            log.warning("could not renumber M%s: %s", view.id, exc.response.get("error"))
