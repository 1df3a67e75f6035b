"""Builders of the payloads Slack sends to a bot, in Slack's real shapes.

Each builder starts from a fixture in ``payloads/`` (copied from Slack's documented examples)
and fills in what a test cares about, with fresh ids (``trigger_id``, ``event_id``, ``ts``) on
every call. Send the result with ``signing.BotHTTP.post`` or ``signing.dispatch_in_process``:
they choose the encoding Slack uses for each kind.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

Payload = dict[str, Any]

FIXTURES = Path(__file__).resolve().parent / "payloads"
TEAM_ID = "T0001"
BOT_USER_ID = "U0BOT"
APP_ID = "A0APP"

_counter = itertools.count(1)


@cache
def _raw_fixture(name: str) -> str:
    return (FIXTURES / f"{name}.json").read_text(encoding="utf-8")


def fixture(name: str) -> Payload:
    """A fresh copy of ``payloads/<name>.json``."""
    loaded: Payload = json.loads(_raw_fixture(name))
    return loaded


def next_ts() -> str:
    """A unique user-message ts, apart from the ones ``LocalSlack`` gives bot messages."""
    n = next(_counter)
    return f"{1_710_000_000 + n // 10_000}.{(n % 10_000) * 100:06d}"


def new_trigger_id() -> str:
    """A unique, realistic-looking ``trigger_id``."""
    n = next(_counter)
    return f"{n}.{n * 7}.{uuid.uuid4().hex}"


def channel_type(channel_id: str) -> str:
    """The ``channel_type`` of message events for a conversation id."""
    return {"D": "im", "G": "group"}.get(channel_id[:1], "channel")


def _user(user_id: str, team_id: str) -> Payload:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team(team_id: str) -> Payload:
    return {"id": team_id, "domain": "example"}


# -- slash commands and interactivity ---------------------------------------------------------


def slash_command(
    command: str,
    text: str,
    user_id: str,
    channel_id: str,
    team_id: str = TEAM_ID,
    response_url: str = "https://hooks.slack.com/commands/T0001/1/response",
    trigger_id: str | None = None,
    *,
    channel_name: str = "general",
    user_name: str | None = None,
) -> Payload:
    """A slash command (sent form-encoded, one field per key)."""
    payload = fixture("slash_command")
    payload.update(
        command=command,
        text=text,
        user_id=user_id,
        user_name=user_name or user_id.lower(),
        channel_id=channel_id,
        channel_name=channel_name,
        team_id=team_id,
        response_url=response_url,
        trigger_id=trigger_id or new_trigger_id(),
    )
    return payload


def block_actions(
    action_id: str,
    value: str | None,
    user_id: str,
    channel_id: str,
    message_ts: str,
    view: Payload | None = None,
    *,
    block_id: str = "actions",
    message: Payload | None = None,
    response_url: str = "https://hooks.slack.com/actions/T0001/1/response",
    action_type: str = "button",
    team_id: str = TEAM_ID,
) -> Payload:
    """A button (or other element) clicked in a message, or in ``view`` when given."""
    payload = fixture("block_actions")
    action: Payload = {
        "action_id": action_id,
        "block_id": block_id,
        "type": action_type,
        "action_ts": next_ts(),
    }
    if action_type == "button":
        action["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
    if value is not None:
        action["value"] = value
    payload.update(
        user=_user(user_id, team_id),
        team=_team(team_id),
        trigger_id=new_trigger_id(),
        actions=[action],
    )
    if view is not None:
        for key in ("channel", "message", "response_url"):
            payload.pop(key)
        full_view = _view_object(view, team_id)
        payload["container"] = {"type": "view", "view_id": full_view["id"]}
        payload["view"] = full_view
        return payload
    payload["container"] = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel_id,
        "is_ephemeral": False,
    }
    payload["channel"] = {"id": channel_id, "name": channel_id.lower()}
    base_message = payload["message"]
    payload["message"] = {**base_message, "ts": message_ts, **(message or {})}
    payload["response_url"] = response_url
    return payload


def state_values(values: Mapping[str, Any]) -> Payload:
    """``view.state.values`` from ``{block_id: {action_id: value}}``.

    A value that is a str (or None) becomes a ``plain_text_input``; a dict is taken as the
    element state itself (``{"type": "static_select", "selected_option": {...}}``). A block
    given a plain str uses its block_id as action_id.
    """
    out: Payload = {}
    for block_id, actions in values.items():
        if not isinstance(actions, Mapping):
            actions = {block_id: actions}
        out[block_id] = {
            action_id: state
            if isinstance(state, Mapping)
            else {"type": "plain_text_input", "value": state}
            for action_id, state in actions.items()
        }
    return out


def _view_object(view: Payload, team_id: str) -> Payload:
    base: Payload = fixture("view_submission")["view"]
    base.update(id=f"V{next(_counter):08d}", root_view_id=None)
    base.update(view)
    base["team_id"] = team_id
    base["root_view_id"] = base["root_view_id"] or base["id"]
    return base


def view_submission(
    callback_id: str,
    values: Mapping[str, Any],
    user_id: str,
    private_metadata: str = "",
    *,
    blocks: Sequence[Payload] = (),
    view_id: str | None = None,
    team_id: str = TEAM_ID,
) -> Payload:
    """A modal submitted with the given input values (see ``state_values``)."""
    payload = fixture("view_submission")
    view: Payload = {
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "state": {"values": state_values(values)},
        "blocks": list(blocks),
    }
    if view_id:
        view["id"] = view_id
    payload.update(
        user=_user(user_id, team_id),
        team=_team(team_id),
        trigger_id=new_trigger_id(),
        view=_view_object(view, team_id),
    )
    return payload


def message_action(
    callback_id: str,
    message: Payload,
    channel_id: str,
    user_id: str,
    *,
    response_url: str = "https://hooks.slack.com/app/T0001/1/response",
    team_id: str = TEAM_ID,
) -> Payload:
    """A message shortcut (e.g. "Add as agenda item") used on ``message``."""
    payload = fixture("message_action")
    full_message = {**payload["message"], **message}
    payload.update(
        callback_id=callback_id,
        user=_user(user_id, team_id),
        team=_team(team_id),
        channel={"id": channel_id, "name": channel_id.lower()},
        message=full_message,
        message_ts=full_message["ts"],
        trigger_id=new_trigger_id(),
        action_ts=next_ts(),
        response_url=response_url,
    )
    return payload


# -- Events API -----------------------------------------------------------------------------


def event_callback(
    event: Payload, event_id: str | None = None, *, team_id: str = TEAM_ID
) -> Payload:
    """The Events API envelope around ``event``, with a unique ``event_id``."""
    payload = fixture("event_callback")
    payload.update(
        event=event,
        event_id=event_id or f"Ev{next(_counter):08d}",
        event_time=int(time.time()),
        team_id=team_id,
        context_team_id=team_id,
    )
    payload["authorizations"][0]["team_id"] = team_id
    return payload


def app_mention(
    text: str, user: str, channel: str, ts: str | None = None, thread_ts: str | None = None
) -> Payload:
    """An ``app_mention`` event (wrap it with ``event_callback``)."""
    event = fixture("app_mention")
    ts = ts or next_ts()
    event.update(text=text, user=user, channel=channel, ts=ts, event_ts=ts)
    event["client_msg_id"] = str(uuid.uuid4())
    event["blocks"] = _rich_text(text)
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message_event(
    text: str,
    user: str,
    channel: str,
    ts: str | None = None,
    thread_ts: str | None = None,
    *,
    subtype: str | None = None,
    files: Sequence[Payload] = (),
    previous_text: str = "",
    parent_user_id: str | None = None,
) -> Payload:
    """A ``message`` event.

    Args:
        subtype: None for a plain message (a thread reply when ``thread_ts`` is given),
            ``"message_changed"`` (``ts`` is the edited message, ``text`` the new text),
            ``"message_deleted"`` (``ts`` is the deleted message) or ``"file_share"``
            (``files`` as partial file objects: at least ``id`` and ``name``).
    """
    ts = ts or next_ts()
    if subtype == "message_changed":
        event = fixture("message_changed")
        event_ts = next_ts()
        edited = {"user": user, "ts": event_ts}
        original = {"user": user, "ts": ts, "team": TEAM_ID}
        event["message"] = {**event["message"], **original, "text": text, "edited": edited}
        event["previous_message"] = {**event["previous_message"], **original}
        event["previous_message"]["text"] = previous_text
        for message in (event["message"], event["previous_message"]):
            if thread_ts:
                message["thread_ts"] = thread_ts
        event.update(channel=channel, ts=event_ts, event_ts=event_ts)
    elif subtype == "message_deleted":
        event = fixture("message_deleted")
        event_ts = next_ts()
        event.update(channel=channel, ts=event_ts, event_ts=event_ts, deleted_ts=ts)
        event["previous_message"].update(user=user, ts=ts, text=previous_text or text)
        if thread_ts:
            event["previous_message"]["thread_ts"] = thread_ts
    elif subtype == "file_share":
        event = fixture("message_file_share")
        template = event["files"][0]
        event["files"] = [{**template, "user": user, "title": f.get("name"), **f} for f in files]
        event.update(text=text, user=user, channel=channel, ts=ts, event_ts=ts)
        event["client_msg_id"] = str(uuid.uuid4())
    elif subtype is None:
        event = fixture("message")
        event.update(text=text, user=user, channel=channel, ts=ts, event_ts=ts)
        event["client_msg_id"] = str(uuid.uuid4())
        event["blocks"] = _rich_text(text)
    else:
        raise ValueError(f"unsupported message subtype {subtype!r}")
    event["channel_type"] = channel_type(channel)
    if thread_ts and subtype not in ("message_changed", "message_deleted"):
        event["thread_ts"] = thread_ts
        event["parent_user_id"] = parent_user_id or BOT_USER_ID
    return event


def url_verification(challenge: str) -> Payload:
    """The handshake Slack sends when the Request URL is set."""
    payload = fixture("url_verification")
    payload["challenge"] = challenge
    return payload


def _rich_text(text: str) -> list[Payload]:
    return [
        {
            "type": "rich_text",
            "block_id": uuid.uuid4().hex[:5],
            "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
            ],
        }
    ]
