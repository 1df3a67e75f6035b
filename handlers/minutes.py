"""/minutes: notes, drafts and the published version; the "send it to me by DM" button.

Disclosure is enforced here, before anything is posted: the full draft of a meeting that is
非公開 / 一部非公開 (or whose minutes are, or that has non-public items) goes only to a safe
place (:mod:`bot.disclosure`: a private channel of the body not shared with another
organisation, or the requester's DM) — asked anywhere else, the bot posts nothing of it, says
why, and offers the requester a DM.

``/minutes note`` is the secretariat's, in the body's own channels (or a DM with the bot): what
it records goes into the official minutes under whatever speaker it names.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot import agenda, notes
from bot.bodies import body_for_channel
from bot.deps import Deps, deps_of
from bot.disclosure import belongs_to, place_clearance
from bot.errors import UserError
from bot.i18n import t
from bot.meetings import get_meeting, meeting_view, resolve_meeting
from bot.minutes.context import unnamed_people
from bot.minutes.drafts import Draft, DraftSettings, full_draft_protection, make_draft
from bot.minutes.render import check_template_name
from bot.minutes.slack import post_draft, send_draft_by_dm
from bot.minutes.values import Protection
from bot.parsing import Args
from bot.permissions import require_secretariat
from bot.present import meeting_title
from bot.slackinfo import ChannelInfo, channel_info, user_info
from bot.text import channel_mention, escape_mrkdwn, truncate
from bot.vocabulary import Ref, parse_ref, parse_yes_no
from handlers.common import actor_for, make_actor
from handlers.runner import (
    CommandContext,
    Reply,
    command_args,
    error_text,
    run_command,
    split_subcommand,
)
from storage.models import AgendaItem, Meeting

log = logging.getLogger(__name__)
_NAMES_PER_DRAFT = 20  # Slack is asked before the ack: bounded, and each name only once

DM_ACTION = "minutes_send_dm"
Subcommand = Callable[[CommandContext, str], Reply]


def settings_of(deps: Deps) -> DraftSettings:
    """Language, time zone and the operators' templates directory."""
    return DraftSettings(lang=deps.lang, tz=deps.config.tz, templates_dir=deps.config.templates_dir)


def _help(ctx: CommandContext, rest: str) -> Reply:
    lines = [ctx.t("minutes.help_heading")]
    lines += ["• " + ctx.t(f"usage.minutes.{name}") for name in ("note", "draft", "publish")]
    return Reply("\n".join(lines))


def _note(ctx: CommandContext, rest: str) -> Reply:
    usage = "usage.minutes.note"
    words = rest.split(maxsplit=1)
    first, text = (words + ["", ""])[:2]
    if not first or not text.strip():
        raise UserError("minutes.note_needs_item_text", usage=usage)
    try:
        ref = parse_ref(first)
    except UserError:
        raise UserError("minutes.note_bad_item", value=truncate(first, 40), usage=usage) from None
    if ref.kind not in ("item", "item_in_meeting"):
        raise UserError("minutes.note_bad_item", value=truncate(first, 40), usage=usage)
    deps = ctx.deps
    with deps.unit_of_work() as s:
        now = deps.clock.now()
        if ref.kind == "item":
            item = agenda.get_item(s, ref.number or 0)
        else:
            body = body_for_channel(s, ctx.channel_id)
            item = agenda.resolve_item(s, body, ref, now, "held")
        actor = actor_for(ctx, s)
        require_secretariat(s, item.meeting.body, actor, action="minutes_note")
        _check_note_channel(ctx, s, item)
        note = notes.note_by_command(s, item, text, actor=actor, now=now)
        kind = ctx.t(f"minutes.kind_short.{item.kind}")
        heading = ctx.t("minutes.heading", kind=kind, number=item.number or "-")
    separator = "：" if ctx.lang == "ja" else ": "
    speaker = f"{note.speaker}{separator}" if note.speaker else ""
    return Reply(
        ctx.t(
            "minutes.note_added",
            heading=heading,
            ref=f"A{note.item_id}",
            speaker=escape_mrkdwn(speaker),
            text=escape_mrkdwn(truncate(note.text, 500)),
        )
    )


def _check_note_channel(ctx: CommandContext, s: Session, item: AgendaItem) -> None:
    """A note is taken in the body's own channels or in a DM with the bot, nowhere else."""
    body = item.meeting.body
    if belongs_to(s, body, ctx.channel_id):
        return
    if channel_info(s, ctx.client, ctx.channel_id, ctx.deps.clock.now()).is_im:
        return
    raise UserError(
        "minutes.note_wrong_channel",
        body=body.name,
        channel=channel_mention(body.channel_id),
        usage="usage.minutes.note",
    )


def _meeting_ref(args: Args, usage: str) -> Ref | None:
    if not args.positional:
        return None
    if len(args.positional) > 1:
        raise UserError("minutes.bad_meeting_ref", value=truncate(args.rest(), 40), usage=usage)
    try:
        ref = parse_ref(args.positional[0])
    except UserError:
        ref = None
    if ref is None or ref.kind not in ("meeting", "next", "last"):
        value = truncate(args.positional[0], 40)
        raise UserError("minutes.bad_meeting_ref", value=value, usage=usage)
    return ref


def _meeting(s: Session, ctx: CommandContext, ref: Ref | None, body_name: str | None) -> Meeting:
    if ref is not None and ref.kind == "meeting":
        return get_meeting(s, ref.number or 0)
    body = body_for_channel(s, ctx.channel_id, body_name)
    return resolve_meeting(s, body, ref, ctx.deps.clock.now(), "held")


def _learn_names(s: Session, client: WebClient, meeting: Meeting, deps: Deps) -> None:
    """Ask Slack the names the minutes would otherwise lack (cached from then on), so the
    attendees read as names rather than Slack ids; at most a handful per draft."""
    now = deps.clock.now()
    for user_id in unnamed_people(s, meeting)[:_NAMES_PER_DRAFT]:
        user_info(s, client, user_id, now)


def _destination(channel_id: str, draft: Draft) -> tuple[str, str | None]:
    """The meeting's thread when asked in its channel, else the channel itself."""
    if channel_id == draft.announcement_channel and draft.announcement_ts:
        return channel_id, draft.announcement_ts
    return channel_id, None


def _refusal(
    ctx: CommandContext,
    meeting: Meeting,
    title: str,
    why: Protection,
    where: ChannelInfo,
    template: str | None,
) -> Reply:
    if where.is_ext_shared:
        key = "minutes.refused_shared"
    elif where.safe_for_non_public:
        key = "minutes.refused_elsewhere"  # a DM that is not the requester's own with the bot
    else:
        key = "minutes.refused_public"
    text = ctx.t(
        key,
        title=escape_mrkdwn(title),
        ref=f"M{meeting.id}",
        disclosure=escape_mrkdwn(("、" if ctx.lang == "ja" else ", ").join(why.reasons)),
    )
    value = json.dumps({"meeting": meeting.id, "template": template or ""})
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "actions",
            "block_id": "minutes_dm",
            "elements": [
                {
                    "type": "button",
                    "action_id": DM_ACTION,
                    "text": {"type": "plain_text", "text": ctx.t("minutes.button_dm")},
                    "value": value,
                }
            ],
        },
    ]
    return Reply(text, blocks=blocks)


def _draft(ctx: CommandContext, rest: str) -> Reply:
    usage = "usage.minutes.draft"
    args = command_args(rest, ("template", "body", "public"), usage)
    ref = _meeting_ref(args, usage)
    template = args.get("template")
    if template is not None:
        check_template_name(template)
    try:
        public = parse_yes_no(args.get("public") or "no")
    except UserError as exc:
        raise exc.with_usage(usage) from None
    deps = ctx.deps
    with deps.unit_of_work() as s:
        now = deps.clock.now()
        meeting = _meeting(s, ctx, ref, args.get("body"))
        actor = actor_for(ctx, s)
        require_secretariat(s, meeting.body, actor, action="minutes_draft")
        why = full_draft_protection(s, meeting, ctx.lang)
        if not public and why.protected:
            where = channel_info(s, ctx.client, ctx.channel_id, now, fresh=True)
            cleared = place_clearance(s, ctx.client, where, reader=actor)
            if not cleared.allows(meeting.body.id):
                title = meeting_title(meeting_view(s, meeting), ctx.lang)
                return _refusal(ctx, meeting, title, why, where, template)
        _learn_names(s, ctx.client, meeting, deps)
        draft = make_draft(
            s,
            meeting,
            actor=actor,
            now=now,
            settings=settings_of(deps),
            template=template,
            public=public,
        )
    return _answer(ctx, draft, "minutes.drafted")


def _answer(ctx: CommandContext, draft: Draft, key: str) -> Reply:
    channel, thread = _destination(ctx.channel_id, draft)
    where = ctx.t("minutes.where_thread" if thread else "minutes.where_channel")
    text = ctx.t(
        key,
        title=escape_mrkdwn(draft.title),
        ref=draft.meeting_ref,
        version=draft.version,
        where=where,
    )
    return Reply(
        text, after_ack=[partial(post_draft, ctx.deps, draft, channel=channel, thread_ts=thread)]
    )


def _publish(ctx: CommandContext, rest: str) -> Reply:
    usage = "usage.minutes.publish"
    args = command_args(rest, ("body", "template"), usage)
    ref = _meeting_ref(args, usage)
    template = args.get("template")
    if template is not None:
        check_template_name(template)
    deps = ctx.deps
    with deps.unit_of_work() as s:
        meeting = _meeting(s, ctx, ref, args.get("body"))
        actor = actor_for(ctx, s)
        require_secretariat(s, meeting.body, actor, action="minutes_publish")
        _learn_names(s, ctx.client, meeting, deps)
        draft = make_draft(
            s,
            meeting,
            actor=actor,
            now=deps.clock.now(),
            settings=settings_of(deps),
            template=template,
            publish=True,
        )
    return _answer(ctx, draft, "minutes.published")


SUBCOMMANDS: dict[str, Subcommand] = {
    "help": _help,
    "note": _note,
    "draft": _draft,
    "publish": _publish,
}
ALIASES = {"ヘルプ": "help", "メモ": "note", "案": "draft", "作成": "draft", "公開": "publish"}


def dispatch(ctx: CommandContext) -> Reply:
    """Route ``/minutes <subcommand> …``; no subcommand drafts the current meeting's minutes."""
    if not ctx.text:
        return _draft(ctx, "")
    first, rest = split_subcommand(ctx.text)
    name = ALIASES.get(first, first.lower())
    handler = SUBCOMMANDS.get(name)
    if handler is None:
        raise UserError(
            "minutes.unknown_subcommand", word=truncate(first, 40), usage="usage.minutes.any"
        )
    return handler(ctx, rest)


def handle_minutes_command(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    run_command(ack, body, context, client, dispatch)


def handle_send_dm(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """The refusal's button: the full draft, to the one who pressed it, in a DM."""
    ack()
    deps = deps_of(context)
    user_id = str(body["user"]["id"])
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    try:
        value = json.loads(body["actions"][0].get("value") or "{}")
        meeting_id, template = int(value["meeting"]), str(value.get("template") or "") or None
    except (ValueError, KeyError, TypeError):
        log.warning("minutes DM button without a meeting: %r", body["actions"][0].get("value"))
        return
    try:
        with deps.unit_of_work() as s:
            meeting = get_meeting(s, meeting_id)
            actor = make_actor(deps, client, user_id, s)
            require_secretariat(s, meeting.body, actor, action="minutes_draft")
            _learn_names(s, client, meeting, deps)
            draft = make_draft(
                s,
                meeting,
                actor=actor,
                now=deps.clock.now(),
                settings=settings_of(deps),
                template=template,
            )
    except UserError as exc:
        if channel:
            client.chat_postEphemeral(
                channel=channel, user=user_id, text=error_text(deps.lang, exc)
            )
        return
    send_draft_by_dm(deps, draft, client, user_id)
    if channel:
        client.chat_postEphemeral(
            channel=channel,
            user=user_id,
            text=t(deps.lang, "minutes.sent_dm", version=draft.version),
        )


def register(app: App) -> None:
    app.command("/minutes")(handle_minutes_command)
    app.action(DM_ACTION)(handle_send_dm)
