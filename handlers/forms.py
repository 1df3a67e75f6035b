"""Pieces of modals shared by every surface: text inputs and reading submitted values."""

from __future__ import annotations

import json
from typing import Any

from bot.text import strip_invisible


def plain_text(text: str, limit: int = 75) -> dict[str, Any]:
    """A ``plain_text`` object cut to Slack's limit for labels and options."""
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…"}


def modal_view(
    callback_id: str,
    channel_id: str,
    *,
    title: str,
    submit: str,
    close: str,
    blocks: list[dict[str, Any]],
) -> dict[str, Any]:
    """A modal that remembers the channel it was opened from (see :func:`metadata_channel`)."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps({"channel": channel_id}),
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": close},
        "blocks": blocks,
    }


def metadata_channel(view: dict[str, Any]) -> str:
    """The channel a :func:`modal_view` was opened from, or ``""`` when unreadable."""
    try:
        return str(json.loads(view.get("private_metadata") or "{}").get("channel", ""))
    except ValueError:
        return ""


def text_input(
    block_id: str,
    label: str,
    *,
    placeholder: str | None = None,
    optional: bool = False,
    multiline: bool = False,
    initial: str | None = None,
    max_length: int | None = None,
) -> dict[str, Any]:
    """An input block with a ``plain_text_input`` whose action_id is ``value``."""
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value"}
    if multiline:
        element["multiline"] = True
    if max_length:
        element["max_length"] = max_length
    if initial:
        element["initial_value"] = initial[: max_length or 3000]
    if placeholder:
        element["placeholder"] = plain_text(placeholder, 150)
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain_text(label, 2000),
        "element": element,
    }


def state_value(values: dict[str, Any], block: str) -> str | None:
    """What was entered or chosen in ``block`` (action ``value``), or None when empty.

    Free text is kept as typed, less invisible characters (the parsers apply NFKC to what
    they read), so titles and places keep their full-width brackets.
    """
    element = values.get(block, {}).get("value", {})
    raw = (
        element.get("value")
        or element.get("selected_user")
        or element.get("selected_date")
        or (element.get("selected_option") or {}).get("value")
        or next(iter(o.get("value") for o in element.get("selected_options") or []), None)
    )
    text = strip_invisible(str(raw)).strip() if raw else ""
    return text or None
