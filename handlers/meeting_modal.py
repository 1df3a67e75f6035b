"""The scheduling modal: `/meeting` or `/meeting schedule` with no arguments."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import bodies, meetings
from bot.announce import announce, refresh_numbering
from bot.dates import parse_date, parse_time_range
from bot.deps import Deps, deps_of
from bot.errors import UserError
from bot.meetings import Schedule
from bot.reminders.timing import ReminderPolicy
from bot.vocabulary import parse_disclosure
from handlers.common import make_actor
from handlers.forms import metadata_channel, modal_view, state_value, text_input
from handlers.runner import error_text, run_after_ack

CALLBACK_ID = "meeting_schedule"


def schedule_view(deps: Deps, channel_id: str) -> dict[str, Any]:
    """The modal: body, date, time range, place, disclosure, reason."""
    t = deps.t
    disclosure_options = [
        {"text": {"type": "plain_text", "text": t(f"disclosure.{d}")}, "value": d}
        for d in ("public", "closed", "partial")
    ]
    return modal_view(
        CALLBACK_ID,
        channel_id,
        title=t("meeting.modal_title"),
        submit=t("meeting.modal_submit"),
        close=t("meeting.modal_close"),
        blocks=[
            text_input(
                "body",
                t("meeting.modal_body"),
                placeholder=t("meeting.modal_body_hint"),
                optional=True,
            ),
            text_input(
                "date", t("meeting.modal_date"), placeholder="2027-06-24 / 6月24日 / R9.6.24"
            ),
            text_input("time", t("meeting.modal_time"), placeholder="11:00-12:00"),
            text_input(
                "place",
                t("meeting.modal_place"),
                placeholder=t("meeting.modal_place_hint"),
                optional=True,
            ),
            {
                "type": "input",
                "block_id": "disclosure",
                "optional": True,
                "label": {"type": "plain_text", "text": t("meeting.modal_disclosure")},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": disclosure_options,
                },
            },
            text_input("reason", t("meeting.modal_reason"), placeholder=None, optional=True),
        ],
    )


def open_schedule_modal(deps: Deps, client: WebClient, trigger_id: str, channel_id: str) -> None:
    """Open the modal (after the command's ack; the trigger is valid for 3 seconds)."""
    client.views_open(trigger_id=trigger_id, view=schedule_view(deps, channel_id))


def handle_submission(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Validate every field, answer errors next to the field, else schedule and announce."""
    deps = deps_of(context)
    view = body["view"]
    values = view["state"]["values"]
    user_id = body["user"]["id"]
    channel_id = metadata_channel(view)
    today = deps.clock.now().astimezone(deps.config.tz).date()
    errors: dict[str, str] = {}
    day = start = end = None
    disclosure = None
    try:
        day = parse_date(state_value(values, "date") or "", today)
    except UserError as exc:
        errors["date"] = error_text(deps.lang, exc)
    try:
        start, end = parse_time_range(state_value(values, "time") or "")
    except UserError as exc:
        errors["time"] = error_text(deps.lang, exc)
    if state_value(values, "disclosure"):
        try:
            disclosure = parse_disclosure(state_value(values, "disclosure") or "")
        except UserError as exc:
            errors["disclosure"] = error_text(deps.lang, exc)
    if errors or day is None or start is None or end is None:
        ack(response_action="errors", errors=errors)
        return
    try:
        with deps.unit_of_work() as s:
            found = bodies.body_for_channel(s, channel_id, state_value(values, "body"))
            meeting = meetings.schedule_meeting(
                s,
                found,
                Schedule(day, start, end),
                actor=make_actor(deps, client, user_id, s),
                now=deps.clock.now(),
                tz=deps.config.tz,
                fy_start_month=deps.config.fy_start_month,
                reminders=ReminderPolicy.of(deps),
                place=state_value(values, "place"),
                disclosure=disclosure,
                reason=state_value(values, "reason"),
            )
    except UserError as exc:
        ack(response_action="errors", errors=dict([_field_error(deps, exc)]))
        return
    ack()
    run_after_ack(
        [
            partial(announce, deps, meeting.id),
            partial(refresh_numbering, deps, meeting.body_id, changed=meeting.id),
        ],
        client,
    )


def _field_error(deps: Deps, exc: UserError) -> tuple[str, str]:
    """The field a refusal belongs next to, and its words (Slack shows at most 150 characters)."""
    if exc.key == "meeting.reason_required":
        return "reason", deps.t("meeting.modal_reason_required")
    if exc.key == "meeting.minutes_reason_required":  # set for the body, not in this form
        return "disclosure", deps.t(exc.key)[:150]
    if exc.key == "meeting.clash":  # its own words name the command to use; no usage line
        return "time", deps.t(exc.key, **exc.params)[:150]
    field = "body" if exc.key.startswith(("body.", "perm.")) else "date"
    return field, error_text(deps.lang, exc)[:150]


def register(app: App) -> None:
    app.view(CALLBACK_ID)(handle_submission)
