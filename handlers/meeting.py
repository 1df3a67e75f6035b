"""/meeting: schedule and change meetings, record actual times; routes every subcommand.

Setting up a body (``setup``, ``member``, ``config``) is in :mod:`handlers.meeting_body`, the
audit trail in :mod:`handlers.meeting_audit`; :data:`SUBCOMMANDS` lists them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot import bodies, meetings
from bot.agenda_deadlines import deadlines_for, late_items_awaiting
from bot.announce import announce, refresh_announcement, refresh_numbering
from bot.calendar import era_to_gregorian, fiscal_year_label, fiscal_year_of
from bot.dates import parse_date, parse_time_range
from bot.errors import UserError
from bot.itemthreads import post_item_messages
from bot.meetings import MeetingView, Schedule
from bot.parsing import Args
from bot.present import local_date_time, meeting_title, meeting_when
from bot.reminders.timing import ReminderPolicy
from bot.render import render_slack
from bot.text import normalize
from bot.vocabulary import Ref, parse_disclosure, parse_ref
from handlers.common import actor_for
from handlers.meeting_audit import audit
from handlers.meeting_body import configure_body, set_member, setup_body
from handlers.meeting_modal import open_schedule_modal
from handlers.runner import CommandContext, Reply, command_args, run_command, split_subcommand
from storage.models import Meeting

Subcommand = Callable[[CommandContext, str], Reply]


def _help(ctx: CommandContext, rest: str) -> Reply:
    lines = [ctx.t("meeting.help_heading")]
    for name in SUBCOMMAND_USAGES:
        lines.append("• " + ctx.t(f"usage.meeting.{name}"))
    return Reply("\n".join(lines))


def parse_schedule(ctx: CommandContext, args: Args, usage: str, first: int = 0) -> Schedule:
    """The date and time range from positional words ``first`` and ``first + 1``."""
    words = args.positional[first:]
    if len(words) < 2:
        raise UserError("meeting.schedule_needs_date_time", usage=usage)
    if len(words) > 2:
        # "11:00 - 12:00" typed with spaces is still one time range.
        words = [words[0], "".join(words[1:])]
    today = ctx.deps.clock.now().astimezone(ctx.deps.config.tz).date()
    try:
        day = parse_date(words[0], today)
        start, end = parse_time_range(words[1])
    except UserError as exc:
        raise exc.with_usage(usage) from None
    return Schedule(day=day, start=start, end=end)


def _schedule(ctx: CommandContext, rest: str) -> Reply:
    usage = "usage.meeting.schedule"
    if not rest:
        return _open_modal(ctx)
    args = command_args(rest, ("body", "place", "disclosure", "reason"), usage)
    when = parse_schedule(ctx, args, usage)
    disclosure = _disclosure(args.get("disclosure"), usage)
    deps = ctx.deps
    with deps.unit_of_work() as s:
        body = bodies.body_for_channel(s, ctx.channel_id, args.get("body"))
        view = meetings.schedule_meeting(
            s,
            body,
            when,
            actor=actor_for(ctx, s),
            now=deps.clock.now(),
            tz=deps.config.tz,
            fy_start_month=deps.config.fy_start_month,
            reminders=ReminderPolicy.of(deps),
            place=args.get("place"),
            disclosure=disclosure,
            reason=args.get("reason"),
        )
    return Reply(
        ctx.t("meeting.scheduled", title=_title(ctx, view), when=_when(ctx, view), ref=view.ref),
        after_ack=[
            partial(announce, deps, view.id),
            partial(refresh_numbering, deps, view.body_id, changed=view.id),
        ],
    )


def _disclosure(value: str | None, usage: str) -> str | None:
    if value is None:
        return None
    try:
        return parse_disclosure(value)
    except UserError as exc:
        raise exc.with_usage(usage) from None


def _open_modal(ctx: CommandContext) -> Reply:
    deps, trigger_id, channel = ctx.deps, ctx.trigger_id, ctx.channel_id

    def open_modal(client: WebClient) -> None:
        if trigger_id:
            open_schedule_modal(deps, client, trigger_id, channel)

    return Reply("", after_ack=[open_modal])


def _list(ctx: CommandContext, rest: str) -> Reply:
    usage = "usage.meeting.list"
    args = command_args(rest, ("fy", "body"), usage)
    deps = ctx.deps
    today = deps.clock.now().astimezone(deps.config.tz).date()
    # "/meeting list all" reads as fy=all; a lone year or 令和9年度 as fy=…
    fy_value = args.get("fy") or (args.positional[0] if args.positional else None)
    fiscal_year: int | None = fiscal_year_of(today, deps.config.fy_start_month)
    if fy_value is not None:
        fiscal_year = _fiscal_year(fy_value, usage)
    with deps.unit_of_work() as s:
        body = bodies.body_for_channel(s, ctx.channel_id, args.get("body"))
        views = meetings.list_meetings(s, body, fiscal_year)
        name = body.name
    heading = ctx.t(
        "meeting.list_heading",
        body=name,
        fy=fiscal_year_label(fiscal_year, ctx.lang) if fiscal_year else ctx.t("meeting.all_years"),
    )
    rows = [
        {
            "ref": v.ref,
            "title": _title(ctx, v),
            "when": _when(ctx, v),
            "place": v.place,
            "status": v.status,
            "status_label": ctx.t(f"meeting.status_{v.status}"),
        }
        for v in views
    ]
    return Reply(render_slack("meeting_list", ctx.lang, heading=heading, meetings=rows))


_ERA_FY = re.compile(r"(?P<era>令和|平成|昭和|[RHSrhs])(?P<year>元|\d{1,2})(?:年度?)?")


def _fiscal_year(value: str, usage: str) -> int | None:
    """``fy=2027``, ``fy=FY2027``, ``fy=令和9年度``, ``fy=R9`` (a secretariat counts in 和暦)."""
    value = normalize(value).strip()
    if value.lower() in ("all", "全", "全て", "すべて", "全年度"):
        return None
    digits = value.removeprefix("FY").removeprefix("fy").removesuffix("年度")
    if digits.isdigit() and 1900 < int(digits) < 2200:
        return int(digits)
    era = _ERA_FY.fullmatch(value)
    if era:
        year = 1 if era["year"] == "元" else int(era["year"])
        try:
            return era_to_gregorian(era["era"].upper(), year)
        except UserError:
            pass
    raise UserError("meeting.bad_fy", value=value, usage=usage)


def _meeting_ref(args: Args, usage: str, index: int = 0) -> Ref | None:
    if len(args.positional) <= index:
        return None
    try:
        return parse_ref(args.positional[index])
    except UserError as exc:
        raise exc.with_usage(usage) from None


def _named_meeting(
    ctx: CommandContext, s: Session, args: Args, ref: Ref | None, usage: str
) -> Meeting:
    """The meeting a move or cancel names: ``M12`` anywhere, ``next`` / ``last`` of the
    channel's body (or ``body=``)."""
    if ref is None or ref.kind not in ("meeting", "next", "last"):
        raise UserError("meeting.needs_meeting_ref", usage=usage)
    if ref.kind == "meeting" and ref.number is not None:
        return meetings.get_meeting(s, ref.number)
    body = bodies.body_for_channel(s, ctx.channel_id, args.get("body"))
    return meetings.resolve_meeting(s, body, ref, ctx.deps.clock.now(), "upcoming")


def _show(ctx: CommandContext, rest: str) -> Reply:
    usage = "usage.meeting.show"
    args = command_args(rest, ("body",), usage)
    deps = ctx.deps
    tz = deps.config.tz
    with deps.unit_of_work() as s:
        body = bodies.body_for_channel(s, ctx.channel_id, args.get("body"))
        meeting = meetings.resolve_meeting(
            s, body, _meeting_ref(args, usage), deps.clock.now(), "upcoming"
        )
        view = meetings.meeting_view(s, meeting)
        answers = meetings.attendance(s, meeting.id)
        due = deadlines_for(meeting.body, meeting.starts_at, deps.calendar, tz)
    present = sum(1 for a in answers.values() if a == "present")
    absent = sum(1 for a in answers.values() if a == "absent")
    locked = ctx.t("meeting.show_locked") if view.agenda_locked_at is not None else ""
    return Reply(
        ctx.t(
            "meeting.show",
            title=_title(ctx, view),
            ref=view.ref,
            when=_when(ctx, view),
            place=view.place or "-",
            status=ctx.t(f"meeting.status_{view.status}"),
            disclosure=_with_reason(ctx, view.disclosure, view.disclosure_reason),
            minutes_disclosure=_with_reason(
                ctx, view.minutes_disclosure, view.minutes_disclosure_reason
            ),
            agenda_deadline=local_date_time(due.agenda, ctx.lang, tz),
            materials_deadline=local_date_time(due.materials, ctx.lang, tz),
            locked=locked,
            present=present,
            absent=absent,
        )
    )


def _with_reason(ctx: CommandContext, disclosure: str, reason: str | None) -> str:
    label = ctx.t(f"disclosure.{disclosure}")
    if disclosure == "public" or not reason:
        return label
    return ctx.t("meeting.disclosure_with_reason", disclosure=label, reason=reason)


def _move(ctx: CommandContext, rest: str) -> Reply:
    usage = "usage.meeting.move"
    args = command_args(rest, ("body",), usage)
    ref = _meeting_ref(args, usage)
    when = parse_schedule(ctx, args, usage, first=1)
    deps = ctx.deps
    with deps.unit_of_work() as s:
        meeting = _named_meeting(ctx, s, args, ref, usage)
        view = meetings.move_meeting(
            s,
            meeting,
            when,
            actor=actor_for(ctx, s),
            now=deps.clock.now(),
            tz=deps.config.tz,
            fy_start_month=deps.config.fy_start_month,
            reminders=ReminderPolicy.of(deps),
        )
    text = ctx.t("meeting.moved", title=_title(ctx, view), when=_when(ctx, view), ref=view.ref)
    return Reply(
        text,
        after_ack=[
            partial(refresh_announcement, deps, view.id, notice=text),
            partial(refresh_numbering, deps, view.body_id, changed=view.id),
        ],
    )


def _cancel(ctx: CommandContext, rest: str) -> Reply:
    usage = "usage.meeting.cancel"
    args = command_args(rest, ("body",), usage)
    ref = _meeting_ref(args, usage)
    reason = args.rest(1) or None
    deps = ctx.deps
    with deps.unit_of_work() as s:
        meeting = _named_meeting(ctx, s, args, ref, usage)
        before = meetings.meeting_view(s, meeting)
        meetings.cancel_meeting(s, meeting, reason, actor=actor_for(ctx, s), now=deps.clock.now())
    text = ctx.t(
        "meeting.cancelled",
        title=_title(ctx, before),
        when=_when(ctx, before),
        reason=reason or "-",
        ref=before.ref,
    )
    return Reply(
        text,
        after_ack=[
            partial(refresh_announcement, deps, before.id, notice=text),
            partial(refresh_numbering, deps, before.body_id, changed=before.id),
        ],
    )


def _start_or_end(ctx: CommandContext, rest: str, *, ending: bool) -> Reply:
    usage = "usage.meeting.end" if ending else "usage.meeting.start"
    args = command_args(rest, ("body",), usage)
    deps = ctx.deps
    with deps.unit_of_work() as s:
        body = bodies.body_for_channel(s, ctx.channel_id, args.get("body"))
        ref = _meeting_ref(args, usage)
        if ending and ref is None:
            found = meetings.meeting_in_progress(s, body, deps.clock.now())
            if found is None:
                raise UserError("meeting.none_in_progress", body=body.name, usage=usage)
            meeting = found
        else:
            meeting = meetings.resolve_meeting(
                s, body, ref, deps.clock.now(), "held" if ending else "upcoming"
            )
        change = meetings.end_meeting if ending else meetings.start_meeting
        view = change(s, meeting, actor=actor_for(ctx, s), now=deps.clock.now())
        awaiting = [] if ending else late_items_awaiting(s, meeting.id)
    moment = view.actual_end if ending else view.actual_start
    assert moment is not None
    local = moment.astimezone(deps.config.tz).strftime("%H:%M")
    key = "meeting.ended" if ending else "meeting.started"
    text = ctx.t(key, title=_title(ctx, view), time=local, ref=view.ref)
    if not ending and moment < view.starts_at - meetings.START_WARNING:
        text += "\n" + ctx.t("meeting.started_early", ref=view.ref, when=_when(ctx, view))
    if awaiting:
        separator = "、" if ctx.lang == "ja" else ", "
        text += "\n" + ctx.t("meeting.late_items_awaiting", refs=separator.join(awaiting))
    return Reply(
        text,
        after_ack=[partial(_after_start_or_end, ctx, view.id, ending)],
    )


def _after_start_or_end(
    ctx: CommandContext, meeting_id: int, ending: bool, client: WebClient
) -> None:
    if not ending:
        # One message per agenda item; replies in its thread become the item's notes.
        post_item_messages(ctx.deps, meeting_id, client, requested_by=(ctx.user_id, ctx.channel_id))


def _title(ctx: CommandContext, view: MeetingView) -> str:
    return meeting_title(view, ctx.lang)


def _when(ctx: CommandContext, view: MeetingView) -> str:
    return meeting_when(view, ctx.lang, ctx.deps.config.tz)


SUBCOMMANDS: dict[str, Subcommand] = {
    "help": _help,
    "setup": setup_body,
    "member": set_member,
    "config": configure_body,
    "schedule": _schedule,
    "list": _list,
    "show": _show,
    "move": _move,
    "cancel": _cancel,
    "start": partial(_start_or_end, ending=False),
    "end": partial(_start_or_end, ending=True),
    "audit": audit,
}
SUBCOMMAND_USAGES = [name for name in SUBCOMMANDS if name != "help"]
ALIASES = {"ヘルプ": "help", "登録": "setup", "予定": "schedule", "一覧": "list", "中止": "cancel"}


def dispatch(ctx: CommandContext) -> Reply:
    """Route ``/meeting <subcommand> …``; no subcommand opens the scheduling modal."""
    if not ctx.text:
        return _open_modal(ctx)
    first, rest = split_subcommand(ctx.text)
    name = ALIASES.get(first, first.lower())
    handler = SUBCOMMANDS.get(name)
    if handler is None:
        raise UserError("meeting.unknown_subcommand", word=first, usage="usage.meeting.any")
    return handler(ctx, rest)


def handle_meeting_command(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    run_command(ack, body, context, client, dispatch)


def register(app: App) -> None:
    app.command("/meeting")(handle_meeting_command)
