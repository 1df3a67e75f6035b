"""`/meeting setup`, `member` and `config`: a body, its roster and its settings."""

from __future__ import annotations

from bot import bodies, meetings
from bot.errors import UserError
from bot.present import offset_words
from bot.reminders.timing import ReminderPolicy
from bot.text import user_mention
from bot.vocabulary import parse_role, parse_user_mention
from handlers.common import actor_for
from handlers.runner import CommandContext, Reply, command_args


def setup_body(ctx: CommandContext, rest: str) -> Reply:
    """``/meeting setup <name> [parent=] [secretariat=] [place=]``: the channel's body."""
    usage = "usage.meeting.setup"
    args = command_args(rest, ("parent", "secretariat", "place"), usage)
    if not args.positional:
        raise UserError("meeting.setup_needs_name", usage=usage)
    with ctx.deps.unit_of_work() as s:
        view = bodies.setup_body(
            s,
            name=args.rest(),
            channel_id=ctx.channel_id,
            actor=actor_for(ctx, s),
            now=ctx.deps.clock.now(),
            parent=args.get("parent"),
            secretariat=args.get("secretariat"),
            place=args.get("place"),
        )
    return Reply(ctx.t("meeting.setup_done", name=view.name, parent=view.parent_name or "-"))


def set_member(ctx: CommandContext, rest: str) -> Reply:
    """``/meeting member @user <role> [title=] [body=]``: add or change a roster entry."""
    usage = "usage.meeting.member"
    args = command_args(rest, ("title", "body"), usage)
    if len(args.positional) > 2:
        raise UserError(
            "meeting.member_extra_words", words=" ".join(args.positional[2:]), usage=usage
        )
    if len(args.positional) != 2:
        raise UserError("meeting.member_needs_user_role", usage=usage)
    try:
        user_id = parse_user_mention(args.positional[0])
        role = parse_role(args.positional[1])
    except UserError as exc:
        raise exc.with_usage(usage) from None
    with ctx.deps.unit_of_work() as s:
        body = bodies.body_for_channel(s, ctx.channel_id, args.get("body"))
        member = bodies.set_member(
            s,
            body,
            user_id=user_id,
            role=role,
            title=args.get("title"),
            actor=actor_for(ctx, s),
            now=ctx.deps.clock.now(),
        )
        name = body.name
    return Reply(
        ctx.t(
            "meeting.member_done",
            user=user_mention(member.user_id),
            role=ctx.t(f"role.{member.role}"),
            title=member.title or "-",
            body=name,
        )
    )


# What /meeting config says when scheduling with the body's defaults would be refused.
REASON_HINTS = {
    "meeting.reason_required": "meeting.reason_missing",
    "meeting.minutes_reason_required": "meeting.minutes_reason_missing",
}


def configure_body(ctx: CommandContext, rest: str) -> Reply:
    """``/meeting config key=value …``: deadlines, reminders, disclosure, template.
    With no settings (``body=`` alone at most), it shows the current ones."""
    usage = "usage.meeting.config"
    allowed = (*bodies.CONFIG_KEYS, "body")
    args = command_args(rest, allowed, usage)
    if args.positional:
        raise UserError("meeting.config_needs_options", usage=usage)
    options = {k: v for k, v in args.options.items() if k != "body"}
    with ctx.deps.unit_of_work() as s:
        body = bodies.body_for_channel(s, ctx.channel_id, args.get("body"))
        if not options:
            return Reply(ctx.t("meeting.config_current", body=body.name,
                               settings=_settings(ctx, bodies.body_view(body))))  # fmt: skip
        try:
            view = bodies.configure(
                s,
                body,
                options,
                actor=actor_for(ctx, s),
                now=ctx.deps.clock.now(),
                templates_dir=ctx.deps.config.templates_dir,
                reminders=ReminderPolicy.of(ctx.deps),
            )
        except UserError as exc:
            raise exc.with_usage(usage) from None
        # Scheduling with a closed default and no reason would be refused: say so now.
        problem = meetings.missing_reason(meetings.disclosures(body))
    text = ctx.t("meeting.config_done", body=view.name, settings=_settings(ctx, view))
    if problem is not None:
        text += "\n" + ctx.t(REASON_HINTS[problem])
    return Reply(text)


def _settings(ctx: CommandContext, view: bodies.BodyView) -> str:
    return ctx.t(
        "meeting.config_settings",
        agenda_deadline=offset_words(view.agenda_deadline, ctx.lang),
        materials_deadline=offset_words(view.materials_deadline, ctx.lang),
        reminders=(
            ctx.t("meeting.reminders_at", when=offset_words(view.reminders, ctx.lang))
            if view.reminders
            else ctx.t("meeting.no_reminders")
        ),
        disclosure=ctx.t(f"disclosure.{view.disclosure}"),
        reason=view.disclosure_reason or "-",
        minutes_disclosure=ctx.t(f"disclosure.{view.minutes_disclosure or view.disclosure}"),
        template=view.template or ctx.t("meeting.template_default"),
    )
