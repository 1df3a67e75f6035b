"""The Slack app manifest: every command, the shortcut, events, interactivity and scopes."""

from __future__ import annotations

import json
from typing import Any

COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("/meeting", "Schedule and announce meetings (会議の登録・案内)", "help | setup | schedule …"),
    ("/agenda", "Submit and manage agenda items (議題の提出)", "add | list | withdraw | lock …"),
    ("/materials", "Register materials (資料の登録)", "add <item> <title> | list"),
    ("/minutes", "Notes and minutes drafts (議事録)", "note | draft | publish"),
    ("/decision", "Record or close a decision (決定事項の記録)", "<item> <outcome> | close <D…>"),
    ("/decisions", "What was decided? (決定事項の検索)", "[query]"),
)

SHORTCUT_CALLBACK = "add_agenda_item"

BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "channels:read",
    "chat:write",
    "commands",
    "files:read",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:read",
    "im:write",
    "mpim:read",
    "reactions:write",
    "users:read",
)

BOT_EVENTS = (
    "app_home_opened",
    "app_mention",
    "message.channels",
    "message.groups",
)


def manifest(base_url: str | None = None, *, socket_mode: bool = False) -> dict[str, Any]:
    """The manifest for Slack's "Create an app → From a manifest".

    Args:
        base_url: the public https URL of ``secretariat run`` (HTTP mode); requests go to
            ``<base_url>/slack/events``. Ignored in Socket Mode.
        socket_mode: a manifest for Socket Mode (no request URLs).
    """
    url = None if socket_mode else f"{(base_url or 'https://example.org').rstrip('/')}/slack/events"
    commands = []
    for name, description, hint in COMMANDS:
        command: dict[str, Any] = {
            "command": name,
            "description": description,
            "usage_hint": hint,
            "should_escape": True,
        }
        if url:
            command["url"] = url
        commands.append(command)
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if url:
        events["request_url"] = url
        interactivity["request_url"] = url
    return {
        "display_information": {
            "name": "secretariat-bot",
            "description": "Meeting secretariat (事務局) work in Slack: schedules, agendas, "
            "materials, minutes, decisions.",
            "background_color": "#2c3e50",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": "secretariat", "always_online": True},
            "shortcuts": [
                {
                    "name": "Add as agenda item",
                    "type": "message",
                    "callback_id": SHORTCUT_CALLBACK,
                    "description": "Submit this message as an agenda item (議題として提出)",
                }
            ],
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def manifest_json(base_url: str | None = None, *, socket_mode: bool = False) -> str:
    return json.dumps(manifest(base_url, socket_mode=socket_mode), ensure_ascii=False, indent=2)
