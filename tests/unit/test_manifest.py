"""The app manifest carries every command of PRODUCT.md, the shortcut, events and scopes."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.manifest import manifest


def test_manifest_lists_every_command_and_the_shortcut() -> None:
    data = manifest("https://bot.example.org")
    names = {c["command"] for c in data["features"]["slash_commands"]}
    assert names == {"/meeting", "/agenda", "/materials", "/minutes", "/decision", "/decisions"}
    for command in data["features"]["slash_commands"]:
        assert command["url"] == "https://bot.example.org/slack/events"
    shortcut = data["features"]["shortcuts"][0]
    assert shortcut["type"] == "message" and shortcut["callback_id"] == "add_agenda_item"
    settings = data["settings"]
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert {"app_mention", "app_home_opened", "message.channels"} <= set(
        settings["event_subscriptions"]["bot_events"]
    )
    scopes = set(data["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "files:write", "users:read", "channels:read"} <= scopes


def test_socket_mode_manifest_has_no_urls() -> None:
    data = manifest(socket_mode=True)
    assert data["settings"]["socket_mode_enabled"] is True
    assert all("url" not in c for c in data["features"]["slash_commands"])


def test_cli_prints_json() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "manifest", "--url", "https://x.example"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert json.loads(out)["settings"]["event_subscriptions"]["request_url"] == (
        "https://x.example/slack/events"
    )
