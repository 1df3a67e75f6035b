"""`/meeting audit [n]`: the audit trail of the channel's body, for its secretariat only.

The answer is the ephemeral ack, so nobody but the secretariat member who asked sees it.
"""

from __future__ import annotations

from bot import bodies
from bot.audit import MAX_SHOWN, AuditView, recent_entries
from bot.errors import UserError
from bot.i18n import has
from bot.parsing import parse_args
from bot.permissions import require_secretariat
from bot.render import render_slack
from bot.text import normalize, truncate, user_mention
from handlers.common import actor_for
from handlers.runner import CommandContext, Reply

USAGE = "usage.meeting.audit"
DEFAULT_COUNT = 20
DETAIL_SHOWN = 80


def _count(args: list[str]) -> int:
    if not args:
        return DEFAULT_COUNT
    value = normalize(args[0])
    if len(args) > 1 or not value.isdigit() or not 1 <= int(value) <= MAX_SHOWN:
        raise UserError("reliability.audit_bad_count", value=args[0], limit=MAX_SHOWN, usage=USAGE)
    return int(value)


def _line(ctx: CommandContext, entry: AuditView) -> dict[str, object]:
    key = f"reliability.audit_action.{entry.action}"
    local = entry.at.astimezone(ctx.deps.config.tz)
    return {
        "when": local.strftime("%Y-%m-%d %H:%M"),
        "user": user_mention(entry.user_id),
        "action": ctx.t(key) if has(key) else entry.action,
        "ref": entry.ref,
        "detail": truncate(entry.detail, DETAIL_SHOWN) if entry.detail else None,
    }


def audit(ctx: CommandContext, rest: str) -> Reply:
    """The newest ``n`` entries of the body and its PTs (secretariat or workspace admin)."""
    try:
        args = parse_args(rest, allowed=("body",))
    except UserError as exc:
        raise exc.with_usage(USAGE) from None
    count = _count(args.positional)
    with ctx.deps.unit_of_work() as s:
        body = bodies.body_for_channel(s, ctx.channel_id, args.get("body"))
        require_secretariat(s, body, actor_for(ctx, s), action="audit")
        entries = recent_entries(s, bodies.descendant_ids(s, body), count)
        name = body.name
    return Reply(
        render_slack(
            "audit_log",
            ctx.lang,
            heading=ctx.t("reliability.audit_heading", body=name, count=len(entries)),
            entries=[_line(ctx, e) for e in entries],
            empty=ctx.t("reliability.audit_empty"),
        )
    )
