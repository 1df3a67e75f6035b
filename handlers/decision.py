"""/decision and /decisions: record and close decisions, list what is pending, answer questions."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import bodies
from bot.calendar import format_date
from bot.dates import parse_date
from bot.decision_posts import answer_in_channel, post_decision
from bot.decisions import (
    DecisionView,
    close_decision,
    pending_decisions,
    record_decision,
    resolve_item,
)
from bot.errors import UserError
from bot.permissions import is_secretariat, require_secretariat
from bot.reminders.timing import ReminderPolicy
from bot.text import Mrkdwn, escape_mrkdwn, truncate, user_mention
from bot.vocabulary import Ref, parse_outcome, parse_ref, parse_user_mention
from handlers.common import actor_for
from handlers.decision_modal import open_decision_modal
from handlers.runner import CommandContext, Reply, command_args, run_command, split_subcommand
from storage.models import Body

RECORD_USAGE = "usage.decision.record"
CLOSE_USAGE = "usage.decision.close"
DECISIONS_USAGE = "usage.decision.decisions"
CLOSE_WORDS = ("close", "完了", "終了", "クローズ")


def parse_owner(value: str | None) -> tuple[str | None, str | None]:
    """``owner=<@U123>`` is a person, anything else a department: (user id, department)."""
    if value is None or not value.strip():
        return None, None
    if value.strip().startswith("<@"):
        try:
            return parse_user_mention(value), None
        except UserError as exc:
            raise exc.with_usage(RECORD_USAGE) from None
    return None, value.strip()


def _ref(value: str, usage: str) -> Ref:
    try:
        return parse_ref(value)
    except UserError as exc:
        raise exc.with_usage(usage) from None


def recorded_text(ctx: CommandContext, view: DecisionView) -> str:
    """The ephemeral confirmation: the secretariat sees what it recorded, in full."""
    owner: str | None = (
        user_mention(view.owner_user_id) if view.owner_user_id else view.owner_dept or None
    )
    item = f"{ctx.t(f'decision.kind.{view.item_kind}')}{view.item_number or ''}"
    # The pieces are catalog text with their parameters escaped already (ctx.t): Mrkdwn, so
    # the whole message does not escape them a second time (a mention must stay a mention).
    return ctx.t(
        "decision.recorded",
        ref=view.ref,
        item=item,
        title=view.item_title,
        outcome=ctx.t(f"decision.outcome.{view.outcome}"),
        owner=Mrkdwn(ctx.t("decision.recorded_owner", owner=owner)) if owner else "",
        due=(
            Mrkdwn(ctx.t("decision.recorded_due", due=format_date(view.due_date, ctx.lang)))
            if view.due_date
            else ""
        ),
        superseded=(
            Mrkdwn(ctx.t("decision.recorded_supersedes", previous=f"D{view.supersedes_id}"))
            if view.supersedes_id
            else ""
        ),
    )


def _record(ctx: CommandContext, text: str) -> Reply:
    args = command_args(text, ("owner", "due", "body", "meeting"), RECORD_USAGE)
    if len(args.positional) < 2:
        raise UserError("decision.needs_item_outcome", usage=RECORD_USAGE)
    item_ref = _ref(args.positional[0], RECORD_USAGE)
    if item_ref.kind not in ("item", "item_in_meeting"):
        raise UserError("decision.needs_item", value=args.positional[0], usage=RECORD_USAGE)
    meeting_ref = _ref(args.options["meeting"], RECORD_USAGE) if "meeting" in args.options else None
    deps = ctx.deps
    today = deps.clock.now().astimezone(deps.config.tz).date()
    try:
        outcome = parse_outcome(args.positional[1])
        due = parse_date(args.options["due"], today) if "due" in args.options else None
    except UserError as exc:
        raise exc.with_usage(RECORD_USAGE) from None
    owner_user, owner_dept = parse_owner(args.get("owner"))
    with deps.unit_of_work() as s:
        body = bodies.body_for_channel(s, ctx.channel_id, args.get("body"))
        item = resolve_item(s, body, item_ref, deps.clock.now(), meeting_ref)
        view = record_decision(
            s,
            item,
            outcome,
            actor=actor_for(ctx, s),
            now=deps.clock.now(),
            today=today,
            text=args.rest(2) or None,
            owner_user_id=owner_user,
            owner_dept=owner_dept,
            due=due,
            reminders=ReminderPolicy.of(deps),
        )
    return Reply(recorded_text(ctx, view), after_ack=[partial(post_decision, deps, view.id)])


def _close(ctx: CommandContext, text: str) -> Reply:
    args = command_args(text, (), CLOSE_USAGE)
    if not args.positional:
        raise UserError("decision.close_needs_ref", usage=CLOSE_USAGE)
    ref = _ref(args.positional[0], CLOSE_USAGE)
    if ref.kind != "decision" or ref.number is None:
        raise UserError("decision.close_needs_ref", usage=CLOSE_USAGE)
    deps = ctx.deps
    with deps.unit_of_work() as s:
        view = close_decision(
            s, ref.number, args.rest(1) or None, actor=actor_for(ctx, s), now=deps.clock.now()
        )
    item = f"{ctx.t(f'decision.kind.{view.item_kind}')}{view.item_number or ''}"
    return Reply(
        ctx.t("decision.closed", ref=view.ref, item=item, title=escape_mrkdwn(view.item_title)),
        after_ack=[partial(post_decision, deps, view.id, closing=True)],
    )


def _open_modal(ctx: CommandContext) -> Reply:
    deps, trigger_id, channel = ctx.deps, ctx.trigger_id, ctx.channel_id
    with deps.unit_of_work() as s:
        # Refused before the form is filled in, not after: only a secretariat records.
        body = bodies.body_for_channel(s, channel)
        actor = actor_for(ctx, s)
        family = [s.get(Body, i) for i in bodies.descendant_ids(s, body)]
        if not any(b is not None and is_secretariat(s, b, actor) for b in family):
            require_secretariat(s, body, actor, action="decision_record")

    def open_modal(client: WebClient) -> None:
        if trigger_id:
            open_decision_modal(deps, client, trigger_id, channel)

    return Reply(ctx.t("decision.modal_opening"), after_ack=[open_modal])


def dispatch_decision(ctx: CommandContext) -> Reply:
    """``/decision`` (modal), ``/decision <item> <outcome> …``, ``/decision close <D…>``."""
    if not ctx.text:
        return _open_modal(ctx)
    first, rest = split_subcommand(ctx.text)
    if first.lower() in CLOSE_WORDS:
        return _close(ctx, rest)
    if first.lower() in ("help", "ヘルプ"):
        raise UserError("decision.needs_item_outcome", usage="usage.decision.any")
    return _record(ctx, ctx.text)


# ``body=`` (key read through NFKC, so ｂｏｄｙ＝ works) with its value, quoted or one word.
_BODY_OPTION = re.compile(
    r'(?<!\S)(?:body|ｂｏｄｙ)[=＝](「[^」]*」|『[^』]*』|"[^"]*"|“[^”]*”|＂[^＂]*＂|\S*)',
    re.IGNORECASE,
)

_QUOTE_PAIRS = {"「": "」", "『": "』", '"': '"', "“": "”", "＂": "＂"}


def split_body_option(text: str) -> tuple[str, str | None]:
    """``/decisions`` text as (query, body name): ``body=`` is the one option it reads;
    everything else, ``=`` signs and quotes included, is the question as asked.

    Raises:
        UserError: ``body=`` given twice or with no name.
    """
    found = list(_BODY_OPTION.finditer(text))
    if not found:
        return text.strip(), None
    if len(found) > 1:
        raise UserError("parse.duplicate_option", option="body", usage=DECISIONS_USAGE)
    value = found[0].group(1)
    if len(value) >= 2 and _QUOTE_PAIRS.get(value[0]) == value[-1]:
        value = value[1:-1]
    if not value.strip():
        raise UserError("body.bad_name", usage=DECISIONS_USAGE)
    query = " ".join(_BODY_OPTION.sub(" ", text).split())
    return query, value.strip()


def dispatch_decisions(ctx: CommandContext) -> Reply:
    """``/decisions`` lists the pending decisions; ``/decisions <query>`` answers a question;
    ``body=`` names another body than the channel's. Both are posted in the channel after the
    ack (the channel's kind decides disclosure); "nothing pending" is said only to the asker,
    as there is nothing for the channel to see."""
    query, body_name = split_body_option(ctx.text)
    deps = ctx.deps
    with deps.unit_of_work() as s:
        if not query or body_name:
            # Fail in the ack when there is no such body, rather than post nothing later.
            body = bodies.body_for_channel(s, ctx.channel_id, body_name)
            if not query and not pending_decisions(s, body):
                return Reply(ctx.t("search.pending_none", body=body.name))
    after = partial(
        answer_in_channel, deps, ctx.channel_id, ctx.user_id, query, None, body_name=body_name
    )
    if not query:
        return Reply(ctx.t("decision.pending_coming"), after_ack=[after])
    return Reply(
        ctx.t("decision.answer_coming", query=escape_mrkdwn(truncate(query, 80))), after_ack=[after]
    )


def handle_decision_command(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    run_command(ack, body, context, client, dispatch_decision)


def handle_decisions_command(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    run_command(ack, body, context, client, dispatch_decisions)


def register(app: App) -> None:
    app.command("/decision")(handle_decision_command)
    app.command("/decisions")(handle_decisions_command)
