"""The decision modal: `/decision` with no arguments."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any, get_args

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import bodies
from bot.dates import parse_date
from bot.decision_posts import post_decision
from bot.decisions import record_decision, resolve_item
from bot.deps import Deps, deps_of
from bot.errors import UserError
from bot.reminders.timing import ReminderPolicy
from bot.text import truncate
from bot.vocabulary import Outcome, parse_outcome, parse_ref
from handlers.common import make_actor
from handlers.forms import metadata_channel, modal_view, state_value, text_input
from handlers.runner import error_text, run_after_ack

CALLBACK_ID = "decision_record"


def decision_view_modal(deps: Deps, channel_id: str) -> dict[str, Any]:
    """The modal: item, outcome, owner (person or department), due date, text."""
    t = deps.t
    outcomes = [
        {"text": {"type": "plain_text", "text": t(f"decision.outcome.{o}")}, "value": o}
        for o in get_args(Outcome)
    ]
    return modal_view(
        CALLBACK_ID,
        channel_id,
        title=t("decision.modal_title"),
        submit=t("decision.modal_submit"),
        close=t("decision.modal_close"),
        blocks=[
            text_input("item", t("decision.modal_item"), optional=False),
            {
                "type": "input",
                "block_id": "outcome",
                "label": {"type": "plain_text", "text": t("decision.modal_outcome")},
                "element": {"type": "static_select", "action_id": "value", "options": outcomes},
            },
            {
                "type": "input",
                "block_id": "owner",
                "optional": True,
                "label": {"type": "plain_text", "text": t("decision.modal_owner")},
                "element": {"type": "users_select", "action_id": "value"},
            },
            text_input("owner_dept", t("decision.modal_owner_dept"), optional=True),
            {
                "type": "input",
                "block_id": "due",
                "optional": True,
                "label": {"type": "plain_text", "text": t("decision.modal_due")},
                "element": {"type": "datepicker", "action_id": "value"},
            },
            text_input("text", t("decision.modal_text"), optional=True, multiline=True),
        ],
    )


def open_decision_modal(deps: Deps, client: WebClient, trigger_id: str, channel_id: str) -> None:
    """Open the modal (after the command's ack; the trigger is valid for 3 seconds)."""
    client.views_open(trigger_id=trigger_id, view=decision_view_modal(deps, channel_id))


def handle_submission(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Check every field and answer mistakes next to it; else record and post the decision."""
    deps = deps_of(context)
    view = body["view"]
    values = view["state"]["values"]
    user_id = body["user"]["id"]
    errors: dict[str, str] = {}
    outcome: Outcome | None = None
    due: date | None = None
    ref = None
    try:
        ref = parse_ref(state_value(values, "item") or "")
        if ref.kind not in ("item", "item_in_meeting"):
            raise UserError("decision.needs_item", value=str(ref))
    except UserError as exc:
        errors["item"] = error_text(deps.lang, exc)
    try:
        outcome = parse_outcome(state_value(values, "outcome") or "")
    except UserError as exc:
        errors["outcome"] = error_text(deps.lang, exc)
    today = deps.clock.now().astimezone(deps.config.tz).date()
    due_text = state_value(values, "due")
    if due_text:
        # A datepicker gives an ISO date, which parses too; a client that fills the field
        # with text (the console) gets the same forms and errors as due= on the command.
        try:
            due = parse_date(due_text, today)
        except UserError as exc:
            errors["due"] = truncate(error_text(deps.lang, exc), 150)  # names the forms
    if errors or ref is None or outcome is None:
        ack(response_action="errors", errors=errors)
        return
    try:
        with deps.unit_of_work() as s:
            found = bodies.body_for_channel(s, metadata_channel(view))
            item = resolve_item(s, found, ref, deps.clock.now())
            decision = record_decision(
                s,
                item,
                outcome,
                actor=make_actor(deps, client, user_id, s),
                now=deps.clock.now(),
                today=today,
                text=state_value(values, "text"),
                owner_user_id=state_value(values, "owner"),
                owner_dept=None
                if state_value(values, "owner")
                else state_value(values, "owner_dept"),
                due=due,
                reminders=ReminderPolicy.of(deps),
            )
    except UserError as exc:
        field = "due" if exc.key == "decision.due_in_past" else "item"
        ack(response_action="errors", errors={field: error_text(deps.lang, exc)[:150]})
        return
    ack()
    run_after_ack([partial(post_decision, deps, decision.id)], client)


def register(app: App) -> None:
    app.view(CALLBACK_ID)(handle_submission)
