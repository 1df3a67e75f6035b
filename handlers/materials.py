"""/materials: add a material to an agenda item, list a meeting's materials register."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import agenda, agenda_deadlines, bodies, materials, meetings
from bot.agenda_post import send_ephemeral
from bot.agenda_view import materials_chunks, meeting_has_non_public, pack_messages
from bot.disclosure import require_acting_for, safe_for_requester
from bot.errors import UserError
from bot.parsing import Args
from bot.vocabulary import parse_ref, parse_yes_no
from handlers.common import actor_for
from handlers.runner import (
    AfterAck,
    CommandContext,
    Reply,
    command_args,
    run_command,
    split_subcommand,
)

Subcommand = Callable[[CommandContext, str], Reply]


def _flag(args: Args, name: str, usage: str) -> bool:
    value = args.get(name)
    if value is None:
        return False
    try:
        return parse_yes_no(value)
    except UserError as exc:
        raise exc.with_usage(usage) from None


def _help(ctx: CommandContext, rest: str) -> Reply:
    lines = [ctx.t("materials.help_heading")]
    lines += ["• " + ctx.t(f"usage.materials.{name}") for name in ("add", "list")]
    return Reply("\n".join(lines))


def _add(ctx: CommandContext, rest: str) -> Reply:
    usage = "usage.materials.add"
    args = command_args(rest, ("url", "reference", "private", "body"), usage)
    if len(args.positional) < 2:
        raise UserError("materials.needs_item_title", usage=usage)
    try:
        ref = parse_ref(args.positional[0])
    except UserError as exc:
        raise exc.with_usage(usage) from None
    reference = _flag(args, "reference", usage)
    private = _flag(args, "private", usage)
    deps = ctx.deps
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        if ref.kind == "item" and ref.number is not None:
            item = agenda.get_item(s, ref.number)
        else:
            body = bodies.body_for_channel(s, ctx.channel_id, args.get("body"))
            try:
                item = agenda.resolve_item(s, body, ref, now, "upcoming", shown=args.positional[0])
            except UserError as exc:
                raise exc.with_usage(usage) from None
        view = materials.add_material(
            s,
            item,
            title=args.rest(1),
            actor=actor_for(ctx, s),
            now=now,
            cal=deps.calendar,
            tz=deps.config.tz,
            url=args.get("url"),
            reference=reference,
            private=private,
        )
    flags = (ctx.t("materials.flag_reference") if view.reference else "") + (
        ctx.t("materials.flag_private") if view.private else ""
    )
    return Reply(
        ctx.t(
            "materials.added",
            item=view.item_ref,
            item_title=view.item_title,
            label=view.label(ctx.lang) or ctx.t("materials.unnumbered"),
            title=view.title,
            flags=flags,
        )
    )


def _list(ctx: CommandContext, rest: str) -> Reply:
    usage = "usage.materials.list"
    args = command_args(rest, ("body",), usage)
    deps = ctx.deps
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        ref = None
        if args.positional:
            try:
                ref = parse_ref(args.positional[0])
            except UserError as exc:
                raise exc.with_usage(usage) from None
        if ref is not None and ref.kind not in ("meeting", "next", "last"):
            raise UserError("agenda.needs_meeting", usage=usage)
        if ref is not None and ref.kind == "meeting" and ref.number is not None:
            # ``M12`` names its meeting wherever it is typed, by someone who may act for its
            # body (from one of its channels, or on its roster / secretariat).
            meeting = meetings.get_meeting(s, ref.number)
            require_acting_for(
                s, meeting.body, ctx.channel_id, actor_for(ctx, s), ref=f"M{meeting.id}"
            )
        else:
            body = bodies.body_for_channel(s, ctx.channel_id, args.get("body"))
            meeting = meetings.resolve_meeting(s, body, ref, now, "upcoming")
        agenda_deadlines.lock_if_due(s, meeting, now, deps.calendar, deps.config.tz)
        # Only the requester sees it, held to the rule of the place: full in a private
        # channel not shared outside, or in the bot's DM with a reader of the body.
        public_only = not meeting_has_non_public(s, meeting) or not safe_for_requester(
            s, ctx.client, meeting.body, ctx.channel_id, actor_for(ctx, s), now
        )
        chunks = materials_chunks(s, meeting.id, ctx.lang, deps.config.tz, public_only=public_only)
        messages = pack_messages(chunks)
    first, more = messages[0], messages[1:]
    after: list[AfterAck] = [
        partial(send_ephemeral, channel=ctx.channel_id, user_id=ctx.user_id, messages=more)
    ]
    return Reply(first.text, blocks=first.blocks, after_ack=after if more else [])


SUBCOMMANDS: dict[str, Subcommand] = {"help": _help, "add": _add, "list": _list}
ALIASES = {"ヘルプ": "help", "追加": "add", "登録": "add", "一覧": "list"}


def dispatch(ctx: CommandContext) -> Reply:
    """Route ``/materials <subcommand> …``; no subcommand lists the register."""
    if not ctx.text:
        return _list(ctx, "")
    first, rest = split_subcommand(ctx.text)
    handler = SUBCOMMANDS.get(ALIASES.get(first, first.lower()))
    if handler is None:
        raise UserError(
            "materials.unknown_subcommand", word=first[:40], usage="usage.materials.any"
        )
    return handler(ctx, rest)


def handle_materials_command(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    run_command(ack, body, context, client, dispatch)


def register(app: App) -> None:
    app.command("/materials")(handle_materials_command)
