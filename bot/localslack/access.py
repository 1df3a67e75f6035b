"""What every Web API method shares: argument parsing, errors and access to conversations."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.localslack.blockkit import block_problems
from bot.localslack.models import Message
from bot.localslack.workspace import Channel, Workspace

Params = dict[str, Any]
Body = dict[str, Any]
MAX_TEXT = 40_000


class ApiError(Exception):
    """An ``{"ok": false}`` answer: Slack's error string and optional detail messages."""

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []

    def body(self) -> Body:
        out: Body = {"ok": False, "error": self.error}
        if self.messages:
            out["response_metadata"] = {"messages": [f"[ERROR] {m}" for m in self.messages]}
        return out


def arg(params: Params, name: str, error: str = "invalid_arguments") -> str:
    value = params.get(name)
    if value is None or value == "":
        raise ApiError(error, [f"missing required field: {name}"])
    return str(value)


def opt(params: Params, name: str) -> str | None:
    value = params.get(name)
    return None if value is None or value == "" else str(value)


def flag(params: Params, name: str) -> bool:
    return params.get(name) in (True, 1, "1", "true", "True")


def json_arg(params: Params, name: str, error: str = "invalid_arguments") -> Any:
    value = params.get(name)
    if isinstance(value, str):
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ApiError(error, [f"{name} is not valid JSON"]) from exc
    return value


class MethodsBase:
    """State shared by the method groups: the workspace and the server's root URL."""

    def __init__(self, workspace: Workspace, root_url: Callable[[], str]) -> None:
        self.ws = workspace
        self.root_url = root_url

    def _visible(self, channel_id: str | None) -> Channel:
        channel = self.ws.channel(channel_id) if channel_id else None
        if channel is None:
            raise ApiError("channel_not_found")
        # A private channel the bot is not in does not exist for the bot.
        if channel.kind in ("private", "mpim") and not channel.bot_member:
            raise ApiError("channel_not_found")
        return channel

    def _postable(self, channel_id: str | None) -> Channel:
        channel = self._visible(channel_id)
        if channel.archived:
            raise ApiError("is_archived")
        if channel.kind == "im":
            user = self.ws.users.get(channel.user or "")
            if user is not None and user.deleted:
                raise ApiError("user_disabled")
        elif self.ws.enforce_membership and not channel.bot_member:
            raise ApiError("not_in_channel")
        return channel

    def _message(self, channel: Channel, ts: str | None) -> Message:
        message = self.ws.messages.get((channel.id, ts or ""))
        if message is None or message.deleted:
            raise ApiError("message_not_found")
        return message

    def _content(self, params: Params) -> tuple[str, Any, Any]:
        text = str(params.get("text") or "")
        blocks = json_arg(params, "blocks", "invalid_blocks_format")
        attachments = json_arg(params, "attachments", "invalid_attachments")
        if len(text) > MAX_TEXT:
            raise ApiError("msg_too_long")
        if blocks is not None and (problems := block_problems(blocks)):
            raise ApiError("invalid_blocks", problems)
        return text, blocks, attachments
