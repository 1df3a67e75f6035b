"""Small pieces every surface shares."""

from __future__ import annotations

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.permissions import Actor
from bot.slackinfo import user_info
from handlers.runner import CommandContext


def actor_for(ctx: CommandContext, session: Session) -> Actor:
    """The user behind ``ctx``; the workspace-admin flag is fetched only if a check needs it."""
    return make_actor(ctx.deps, ctx.client, ctx.user_id, session)


# Permission checks run before the ack: when the admin flag is not cached, users.info gets
# one quick try (no waiting out a Retry-After) so Slack's 3 seconds are never spent here.
ADMIN_LOOKUP_TIMEOUT = 2


def make_actor(deps: Deps, client: WebClient, user_id: str, session: Session) -> Actor:
    """An ``Actor`` whose admin flag comes from users.info (cached) when first asked."""

    def admin() -> bool:
        quick = WebClient(
            token=client.token,
            base_url=client.base_url,
            timeout=ADMIN_LOOKUP_TIMEOUT,
            retry_handlers=[],
        )
        return user_info(session, quick, user_id, deps.clock.now()).is_admin

    return Actor(user_id=user_id, admin_lookup=admin)
