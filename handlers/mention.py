"""@bot <question>: "what was decided?" asked by mentioning the bot, answered in its thread."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.decision_posts import answer_in_channel
from bot.deps import deps_of
from bot.text import normalize

log = logging.getLogger(__name__)

MAX_QUESTION = 500
_MENTION = re.compile(r"<[@!][^<>]*>")
_LINK = re.compile(r"<(?:[^<>|]*\|)?([^<>]*)>")


def question_of(text: str) -> str:
    """The question in a mention's text: mentions dropped, links reduced to their labels."""
    plain = _LINK.sub(r"\1", _MENTION.sub(" ", text or ""))
    return normalize(plain).strip()[:MAX_QUESTION]


def handle_app_mention(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Answer in the thread of the mention (its own thread, or the one it was posted in)."""
    deps = deps_of(context)
    channel = str(event.get("channel") or "")
    ts = event.get("thread_ts") or event.get("ts")
    if not channel or not ts:
        log.warning("app_mention without channel or ts")
        return
    question = question_of(str(event.get("text") or ""))
    if not question:
        client.chat_postMessage(channel=channel, thread_ts=str(ts), text=deps.t("search.no_terms"))
        return
    answer_in_channel(deps, channel, str(event.get("user") or ""), question, str(ts), client)


def register(app: App) -> None:
    app.event("app_mention")(handle_app_mention)
