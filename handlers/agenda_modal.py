"""The submission modal: `/agenda` with no arguments, and the "Add as agenda item" shortcut."""

from __future__ import annotations

import json
import logging
import re
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot import agenda, bodies, materials, meetings
from bot.agenda import Submission, parse_time_box
from bot.agenda_post import post_item, submitted_text
from bot.deps import Deps, deps_of
from bot.errors import UserError
from bot.itemthreads import post_if_in_progress
from bot.present import meeting_title, meeting_when
from bot.text import normalize, truncate
from bot.vocabulary import parse_kind
from handlers.common import make_actor
from handlers.forms import plain_text, state_value, text_input
from handlers.runner import AfterAck, error_text, run_after_ack
from storage.models import Meeting

log = logging.getLogger(__name__)

CALLBACK_ID = "agenda_submit"
SHORTCUT_ID = "add_agenda_item"
MAX_OPTIONS = 25
MAX_MATERIAL_LINES = 20
_TRAILING_URL = re.compile(r"^(?P<title>.*?)\s*(?P<url><?https?://\S+>?)$", re.IGNORECASE)


def open_meetings(deps: Deps, channel_id: str) -> list[tuple[int, str]]:
    """The meetings of the channel's body that take submissions, soonest first."""
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        body = bodies.body_for_channel(s, channel_id)
        first = agenda.submission_meeting(s, body, now, deps.calendar, deps.config.tz)
        found = s.scalars(
            select(Meeting)
            .where(
                Meeting.body_id == body.id,
                Meeting.status == "scheduled",
                Meeting.starts_at >= first.starts_at,
                Meeting.agenda_locked_at.is_(None),
            )
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(MAX_OPTIONS)
        ).all()
        result = []
        for m in found:
            view = meetings.meeting_view(s, m)
            label = (
                f"{meeting_when(view, deps.lang, deps.config.tz)} {meeting_title(view, deps.lang)}"
            )
            result.append((m.id, label))
        return result


def agenda_view(
    deps: Deps,
    options: list[tuple[int, str]],
    *,
    channel_id: str,
    title: str | None = None,
    summary: str | None = None,
    source_link: str | None = None,
) -> dict[str, Any]:
    """The modal: meeting, kind, title, presenter, summary, time box, non-public, materials."""
    t = deps.t
    meeting_options = [{"text": plain_text(label), "value": str(mid)} for mid, label in options]
    kind_options = [
        {"text": plain_text(t(f"agenda.kind_one.{k}")), "value": k}
        for k in ("confirm", "proposal", "report")
    ]
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": "meeting",
            "label": {"type": "plain_text", "text": t("agenda.modal_meeting")},
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": meeting_options,
                "initial_option": meeting_options[0],
            },
        },
        {
            "type": "input",
            "block_id": "kind",
            "label": {"type": "plain_text", "text": t("agenda.modal_kind")},
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": kind_options,
                "initial_option": kind_options[1],
            },
        },
        text_input(
            "title",
            t("agenda.modal_title_field"),
            optional=False,
            initial=title,
            max_length=agenda.MAX_TITLE,
        ),
        text_input(
            "presenter", t("agenda.modal_presenter"), optional=True, max_length=agenda.MAX_PRESENTER
        ),
        text_input(
            "summary",
            t("agenda.modal_summary"),
            optional=True,
            multiline=True,
            initial=summary,
            max_length=agenda.MAX_SUMMARY,
        ),
        text_input("time_box", t("agenda.modal_time_box"), optional=True, max_length=10),
        {
            "type": "input",
            "block_id": "private",
            "optional": True,
            "label": {"type": "plain_text", "text": t("agenda.modal_private")},
            "element": {
                "type": "checkboxes",
                "action_id": "value",
                "options": [{"text": plain_text(t("agenda.modal_private_option")), "value": "yes"}],
            },
        },
        text_input(
            "materials", t("agenda.modal_materials"), optional=True, multiline=True, max_length=3000
        ),
    ]
    if source_link:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": t("agenda.modal_source", link=source_link)}
                ],
            }
        )
    metadata = {"channel": channel_id, "link": source_link}
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": json.dumps(metadata)[:3000],
        "title": {"type": "plain_text", "text": t("agenda.modal_title")[:24]},
        "submit": {"type": "plain_text", "text": t("agenda.modal_submit")[:24]},
        "close": {"type": "plain_text", "text": t("agenda.modal_close")[:24]},
        "blocks": blocks,
    }


def open_agenda_modal(deps: Deps, client: WebClient, trigger_id: str, channel_id: str) -> None:
    """Open the empty modal (after `/agenda` was acknowledged)."""
    view = agenda_view(deps, open_meetings(deps, channel_id), channel_id=channel_id)
    client.views_open(trigger_id=trigger_id, view=view)


def _permalink(client: WebClient, channel: str, ts: str) -> str | None:
    try:
        return str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except SlackApiError as exc:
        log.info("no permalink for %s/%s: %s", channel, ts, exc.response.get("error"))
        return None


def handle_shortcut(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """ "Add as agenda item" on a message: the modal, prefilled with its text and a link."""
    ack()
    deps = deps_of(context)
    channel = str((body.get("channel") or {}).get("id") or "")
    user_id = str((body.get("user") or {}).get("id") or "")
    message = body.get("message") or {}
    text = normalize(str(message.get("text") or "")).strip()
    try:
        options = open_meetings(deps, channel)
    except UserError as exc:
        client.chat_postEphemeral(channel=channel, user=user_id, text=error_text(deps.lang, exc))
        return
    ts = str(message.get("ts") or body.get("message_ts") or "")
    first_line = text.splitlines()[0] if text else ""
    view = agenda_view(
        deps,
        options,
        channel_id=channel,
        title=truncate(first_line, 150) or None,
        summary=truncate(text, agenda.MAX_SUMMARY) or None,
        source_link=_permalink(client, channel, ts) if ts else None,
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def material_lines(text: str | None) -> list[tuple[str, str | None]]:
    """``title [url]`` per line → (title, url); a line that is only a link is its own title."""
    result: list[tuple[str, str | None]] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        m = _TRAILING_URL.match(line)
        if m is None:
            result.append((line, None))
        else:
            url = m.group("url")
            result.append((m.group("title").strip() or url.strip("<>"), url))
    if len(result) > MAX_MATERIAL_LINES:
        raise UserError("agenda.too_many_materials", limit=MAX_MATERIAL_LINES)
    return result


def _field_of(error: UserError) -> str:
    key = error.key
    for field, prefixes in (
        ("title", ("agenda.needs_title", "agenda.title_too_long")),
        ("presenter", ("agenda.presenter",)),
        ("summary", ("agenda.summary",)),
        ("time_box", ("agenda.bad_time_box",)),
        ("materials", ("materials.", "agenda.too_many")),
    ):
        if key.startswith(prefixes):
            return field
    return "meeting"


def handle_submission(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Validate the fields, answer errors next to them, else submit with the materials."""
    deps = deps_of(context)
    view = body["view"]
    values = view["state"]["values"]
    user_id = body["user"]["id"]
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        metadata = {}
    channel = str(metadata.get("channel") or "")
    now = deps.clock.now()
    try:
        meeting_value = state_value(values, "meeting") or ""
        if not meeting_value.isdigit():
            raise UserError("agenda.modal_bad_meeting")
        submission = Submission(
            kind=parse_kind(state_value(values, "kind") or ""),
            title=state_value(values, "title") or "",
            presenter=state_value(values, "presenter"),
            summary=state_value(values, "summary"),
            time_box_minutes=parse_time_box(state_value(values, "time_box")),
            private=state_value(values, "private") == "yes",
            source_link=(str(metadata.get("link") or "") or None),
        )
        lines = material_lines(state_value(values, "materials"))
        with deps.unit_of_work() as s:
            meeting = meetings.get_meeting(s, int(meeting_value))
            actor = make_actor(deps, client, user_id, s)
            done = agenda.submit_item(
                s,
                meeting,
                submission,
                actor=actor,
                now=now,
                cal=deps.calendar,
                tz=deps.config.tz,
            )
            item = agenda.get_item(s, done.item.id)
            for title, url in lines:
                materials.add_material(
                    s,
                    item,
                    title=title,
                    url=url,
                    actor=actor,
                    now=now,
                    cal=deps.calendar,
                    tz=deps.config.tz,
                )
            title_text = meeting_title(meetings.meeting_view(s, meeting), deps.lang)
    except UserError as exc:
        field = _field_of(exc)
        ack(response_action="errors", errors={field: truncate(error_text(deps.lang, exc), 150)})
        return
    ack()
    requester = (user_id, channel) if channel else None
    actions: list[AfterAck] = [
        partial(post_item, deps, done.item.id),
        partial(post_if_in_progress, deps, done.item.meeting_id, requested_by=requester),
    ]
    if channel:
        text = submitted_text(deps, done, title_text)
        actions.append(partial(_confirm, channel, user_id, text))
    run_after_ack(actions, client)


def _confirm(channel: str, user_id: str, text: str, client: WebClient) -> None:
    client.chat_postEphemeral(channel=channel, user=user_id, text=text)


def register(app: App) -> None:
    app.view(CALLBACK_ID)(handle_submission)
    app.shortcut(SHORTCUT_ID)(handle_shortcut)
