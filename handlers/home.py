"""App Home: published when the user opens the bot's Home tab."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.deps import deps_of
from bot.home import home_view

log = logging.getLogger(__name__)


def handle_app_home_opened(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Build the user's Home from the database and publish it."""
    if event.get("tab", "home") != "home":
        return
    user_id = str(event.get("user") or "")
    if not user_id:
        return
    deps = deps_of(context)
    with deps.unit_of_work() as session:
        view = home_view(deps, session, user_id)
    client.views_publish(user_id=user_id, view=view)


def register(app: App) -> None:
    app.event("app_home_opened")(handle_app_home_opened)
