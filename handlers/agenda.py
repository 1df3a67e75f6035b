"""/agenda: submit items, list the agenda, withdraw, accept, reject, carry, reorder, lock."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot import agenda, agenda_changes, agenda_deadlines, bodies, meetings
from bot.agenda import Submission, parse_time_box
from bot.agenda_post import (
    agenda_messages,
    notify_rejected,
    post_agenda,
    post_item,
    send_ephemeral,
    submitted_text,
)
from bot.agenda_view import meeting_has_non_public
from bot.disclosure import dm_partner, place_clearance, require_acting_for
from bot.errors import UserError
from bot.itemthreads import post_if_in_progress
from bot.parsing import Args
from bot.permissions import require_secretariat
from bot.present import meeting_title
from bot.slackinfo import fetch_channel, store_channel
from bot.vocabulary import Ref, parse_kind, parse_ref, parse_yes_no
from handlers.agenda_modal import open_agenda_modal
from handlers.common import actor_for
from handlers.runner import CommandContext, Reply, command_args, run_command, split_subcommand
from storage.models import AgendaItem, Meeting

Subcommand = Callable[[CommandContext, str], Reply]
ADD_OPTIONS = ("meeting", "presenter", "summary", "minutes", "time", "private", "no", "body")


def _ref(word: str, usage: str) -> Ref:
    try:
        return parse_ref(word)
    except UserError as exc:
        raise exc.with_usage(usage) from None


def _position(value: str | None, usage: str) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or len(value) > 4:
        raise UserError("agenda.bad_position", value=value[:20], usage=usage)
    return int(value)


def _yes_no(value: str | None, usage: str) -> bool:
    if value is None:
        return False
    try:
        return parse_yes_no(value)
    except UserError as exc:
        raise exc.with_usage(usage) from None


def _meeting(ctx: CommandContext, s: Session, args: Args, usage: str, purpose: str) -> Meeting:
    """The meeting named by the first positional word, or the channel's current one."""
    ref = _ref(args.positional[0], usage) if args.positional else None
    if ref is not None and ref.kind not in ("meeting", "next", "last"):
        raise UserError("agenda.needs_meeting", usage=usage)
    return _resolve(ctx, s, args, ref, purpose)


def _resolve(ctx: CommandContext, s: Session, args: Args, ref: Ref | None, purpose: str) -> Meeting:
    # ``M12`` names its meeting wherever it is typed, but only for someone who may act for
    # its body: from one of the body's channels, or on its roster / secretariat.
    if ref is not None and ref.kind == "meeting" and ref.number is not None:
        meeting = meetings.get_meeting(s, ref.number)
        require_acting_for(s, meeting.body, ctx.channel_id, actor_for(ctx, s), ref=f"M{meeting.id}")
        return meeting
    body = bodies.body_for_channel(s, ctx.channel_id, args.get("body"))
    return meetings.resolve_meeting(s, body, ref, ctx.deps.clock.now(), purpose)


def _item(ctx: CommandContext, s: Session, args: Args, usage: str, purpose: str) -> AgendaItem:
    if not args.positional:
        raise UserError("agenda.needs_item", usage=usage)
    ref = _ref(args.positional[0], usage)
    if ref.kind == "item" and ref.number is not None:
        return agenda.get_item(s, ref.number)
    body = bodies.body_for_channel(s, ctx.channel_id, args.get("body"))
    try:
        return agenda.resolve_item(
            s, body, ref, ctx.deps.clock.now(), purpose, shown=args.positional[0]
        )
    except UserError as exc:
        raise exc.with_usage(usage) from None


def _help(ctx: CommandContext, rest: str) -> Reply:
    lines = [ctx.t("agenda.help_heading")]
    for name in ("add", "list", "withdraw", "accept", "reject", "carry", "move", "lock", "post"):
        lines.append("• " + ctx.t(f"usage.agenda.{name}"))
    return Reply("\n".join(lines))


def _add(ctx: CommandContext, rest: str) -> Reply:
    usage = "usage.agenda.add"
    args = command_args(rest, ADD_OPTIONS, usage)
    if len(args.positional) < 2:
        raise UserError("agenda.needs_kind_title", usage=usage)
    try:
        kind = parse_kind(args.positional[0])
        time_box = parse_time_box(args.get("minutes") or args.get("time"))
    except UserError as exc:
        raise exc.with_usage(usage) from None
    submission = Submission(
        kind=kind,
        title=args.rest(1),
        presenter=args.get("presenter"),
        summary=args.get("summary"),
        time_box_minutes=time_box,
        private=_yes_no(args.get("private"), usage),
        position=_position(args.get("no"), usage),
    )
    deps = ctx.deps
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        if args.get("meeting"):
            meeting = _resolve(ctx, s, args, _ref(args.get("meeting") or "", usage), "upcoming")
        else:
            body = bodies.body_for_channel(s, ctx.channel_id, args.get("body"))
            meeting = agenda.submission_meeting(s, body, now, deps.calendar, deps.config.tz)
        done = agenda.submit_item(
            s,
            meeting,
            submission,
            actor=actor_for(ctx, s),
            now=now,
            cal=deps.calendar,
            tz=deps.config.tz,
        )
        title = meeting_title(meetings.meeting_view(s, meeting), ctx.lang)
    return Reply(
        submitted_text(ctx.deps, done, title),
        after_ack=[
            partial(post_item, deps, done.item.id),
            partial(
                post_if_in_progress,
                deps,
                done.item.meeting_id,
                requested_by=(ctx.user_id, ctx.channel_id),
            ),
        ],
    )


def _list(ctx: CommandContext, rest: str) -> Reply:
    usage = "usage.agenda.list"
    args = command_args(rest, ("body",), usage)
    deps = ctx.deps
    with deps.unit_of_work() as s:
        meeting = _meeting(ctx, s, args, usage, "upcoming")
        agenda_deadlines.lock_if_due(s, meeting, deps.clock.now(), deps.calendar, deps.config.tz)
        meeting_id, body_id = meeting.id, meeting.body_id
        non_public = meeting_has_non_public(s, meeting)
    # Only the requester sees it, held to the rule of the place: full in a private channel
    # not shared outside, or in the bot's DM with a reader of the body. Slack is asked what
    # kind of channel it is outside the transaction above, which may have locked the agenda
    # (on SQLite, every other write would wait for Slack's answer).
    public_only = not non_public or not _place_allows(ctx, body_id)
    messages = agenda_messages(deps, meeting_id, public_only=public_only)
    first, more = messages[0], messages[1:]
    channel, user = ctx.channel_id, ctx.user_id
    return Reply(
        first.text,
        blocks=first.blocks,
        after_ack=[lambda client: send_ephemeral(client, channel, user, more)] if more else [],
    )


def _place_allows(ctx: CommandContext, body_id: int) -> bool:
    """Whether the body's non-public content may be shown to the requester where they asked
    (see :func:`bot.disclosure.safe_for_requester`), Slack asked before the unit of work."""
    now = ctx.deps.clock.now()
    fetched = fetch_channel(ctx.client, ctx.channel_id)
    with ctx.deps.unit_of_work() as s:
        where = store_channel(s, ctx.channel_id, fetched, now)
    # A DM's partner comes with Slack's answer above: not asked again with a write open.
    dm = dm_partner(fetched) if fetched is not None and where.is_im else None
    with ctx.deps.unit_of_work() as s:
        clearance = place_clearance(s, ctx.client, where, reader=actor_for(ctx, s), dm=dm)
        return clearance.allows(body_id)


def _status_change(ctx: CommandContext, rest: str, *, action: str) -> Reply:
    usage = f"usage.agenda.{action}"
    args = command_args(rest, ("body",), usage)
    deps = ctx.deps
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        item = _item(ctx, s, args, usage, "upcoming")
        actor = actor_for(ctx, s)
        if action == "withdraw":
            view = agenda_changes.withdraw_item(s, item, actor=actor, now=now)
        elif action == "accept":
            view = agenda_changes.accept_item(s, item, actor=actor, now=now)
        else:
            reason = args.rest(1) or None
            view = agenda_changes.reject_item(s, item, reason, actor=actor, now=now)
    key = {"withdraw": "agenda.withdrawn", "accept": "agenda.accepted"}.get(
        action, "agenda.rejected"
    )
    text = ctx.t(key, ref=view.ref, title=view.title, reason=view.status_reason or "-")
    if action == "reject":
        return Reply(text, after_ack=[partial(notify_rejected, deps, view.id)])
    return Reply(text)


def _carry(ctx: CommandContext, rest: str) -> Reply:
    usage = "usage.agenda.carry"
    args = command_args(rest, ("body", "to"), usage)
    deps = ctx.deps
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        item = _item(ctx, s, args, usage, "held")
        target = None
        if args.get("to"):
            body = item.meeting.body
            target = meetings.resolve_meeting(
                s, body, _ref(args.get("to") or "", usage), now, "upcoming"
            )
        old, new = agenda_changes.carry_item(
            s,
            item,
            target,
            actor=actor_for(ctx, s),
            now=now,
            cal=deps.calendar,
            tz=deps.config.tz,
        )
        moved = agenda.get_item(s, new.id)
        title = meeting_title(meetings.meeting_view(s, moved.meeting), ctx.lang)
        count = len(moved.materials)
    return Reply(
        ctx.t(
            "agenda.carried",
            ref=old.ref,
            title=old.title,
            meeting=title,
            new_ref=new.ref,
            kind=ctx.t(f"agenda.kind_one.{new.kind}"),
            number=new.number,
            materials=count,
        ),
        after_ack=[partial(post_item, deps, new.id)],
    )


def _move(ctx: CommandContext, rest: str) -> Reply:
    usage = "usage.agenda.move"
    args = command_args(rest, ("body",), usage)
    if len(args.positional) != 2:
        raise UserError("agenda.needs_item", usage=usage)
    position = _position(args.positional[1], usage) or 0
    deps = ctx.deps
    with deps.unit_of_work() as s:
        item = _item(ctx, s, args, usage, "upcoming")
        view = agenda_changes.move_item(
            s, item, position, actor=actor_for(ctx, s), now=deps.clock.now()
        )
    return Reply(
        ctx.t(
            "agenda.moved",
            ref=view.ref,
            title=view.title,
            kind=ctx.t(f"agenda.kind_one.{view.kind}"),
            number=view.number,
        )
    )


def _lock(ctx: CommandContext, rest: str, *, unlock: bool = False) -> Reply:
    usage = "usage.agenda.unlock" if unlock else "usage.agenda.lock"
    args = command_args(rest, ("body",), usage)
    deps = ctx.deps
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        meeting = _meeting(ctx, s, args, usage, "upcoming")
        title = meeting_title(meetings.meeting_view(s, meeting), ctx.lang)
        if unlock:
            agenda_deadlines.unlock_agenda(s, meeting, actor=actor_for(ctx, s), now=now)
            return Reply(ctx.t("agenda.unlocked", meeting=title))
        locked = agenda_deadlines.lock_agenda(s, meeting, actor=actor_for(ctx, s), now=now)
        meeting_id = meeting.id
    if not locked:
        return Reply(ctx.t("agenda.already_locked", meeting=title))
    return Reply(
        ctx.t("agenda.locked_done", meeting=title),
        after_ack=[partial(post_agenda, deps, meeting_id)],
    )


def _post(ctx: CommandContext, rest: str) -> Reply:
    usage = "usage.agenda.post"
    args = command_args(rest, ("body",), usage)
    deps = ctx.deps
    with deps.unit_of_work() as s:
        meeting = _meeting(ctx, s, args, usage, "upcoming")
        require_secretariat(s, meeting.body, actor_for(ctx, s), action="agenda_post")
        agenda_deadlines.lock_if_due(s, meeting, deps.clock.now(), deps.calendar, deps.config.tz)
        title = meeting_title(meetings.meeting_view(s, meeting), ctx.lang)
        meeting_id = meeting.id
    return Reply(
        ctx.t("agenda.posted_agenda", meeting=title),
        after_ack=[partial(post_agenda, deps, meeting_id)],
    )


def _modal(ctx: CommandContext) -> Reply:
    deps, trigger_id, channel = ctx.deps, ctx.trigger_id, ctx.channel_id
    with deps.unit_of_work() as s:
        body = bodies.body_for_channel(s, channel)
        # Fail in the ack, not in an empty modal, when nothing takes submissions.
        agenda.submission_meeting(s, body, deps.clock.now(), deps.calendar, deps.config.tz)

    def open_modal(client: WebClient) -> None:
        if trigger_id:
            open_agenda_modal(deps, client, trigger_id, channel)

    return Reply(ctx.t("agenda.modal_opening"), after_ack=[open_modal])


SUBCOMMANDS: dict[str, Subcommand] = {
    "help": _help,
    "add": _add,
    "list": _list,
    "withdraw": partial(_status_change, action="withdraw"),
    "accept": partial(_status_change, action="accept"),
    "reject": partial(_status_change, action="reject"),
    "carry": _carry,
    "move": _move,
    "lock": _lock,
    "unlock": partial(_lock, unlock=True),
    "post": _post,
}
ALIASES = {
    "ヘルプ": "help",
    "追加": "add",
    "提出": "add",
    "一覧": "list",
    "取り下げ": "withdraw",
    "取下げ": "withdraw",
    "受理": "accept",
    "却下": "reject",
    "繰越": "carry",
    "繰越し": "carry",
    "繰り越し": "carry",
    "確定": "lock",
    "掲示": "post",
}


def dispatch(ctx: CommandContext) -> Reply:
    """Route ``/agenda <subcommand> …``; no subcommand opens the submission modal."""
    if not ctx.text:
        return _modal(ctx)
    first, rest = split_subcommand(ctx.text)
    handler = SUBCOMMANDS.get(ALIASES.get(first, first.lower()))
    if handler is None:
        raise UserError("agenda.unknown_subcommand", word=first[:40], usage="usage.agenda.any")
    return handler(ctx, rest)


def handle_agenda_command(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    run_command(ack, body, context, client, dispatch)


def register(app: App) -> None:
    app.command("/agenda")(handle_agenda_command)
