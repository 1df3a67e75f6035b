"""Everything the bot said: channel posts, ephemerals, response_url posts, acks, Home tabs.

Only mrkdwn is read as markup by Slack, so only mrkdwn texts are collected: a message's
``text``, ``mrkdwn`` text objects in blocks (sections, fields, context), and an ack's text.
Plain-text objects (button labels, input values) show ``<`` literally and are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from bot.localslack import LocalSlack


def mrkdwn_in(obj: Any) -> Iterator[str]:
    """The mrkdwn texts inside a Block Kit structure."""
    if isinstance(obj, dict):
        if obj.get("type") == "mrkdwn" and isinstance(obj.get("text"), str):
            yield obj["text"]
        for key, value in obj.items():
            if key != "text" or not isinstance(value, str):
                yield from mrkdwn_in(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from mrkdwn_in(value)


def said(slack: LocalSlack, acks: Sequence[Any] = ()) -> list[tuple[str, str]]:
    """(where, text) for every mrkdwn text the bot sent to Slack or answered with."""
    out: list[tuple[str, str]] = []
    for m in slack.messages(deleted=True):
        out.append((f"message {m.channel} {m.ts}", m.text))
        out += [(f"message {m.channel} {m.ts} block", t) for t in mrkdwn_in(m.blocks or [])]
    for m in slack.ephemerals():
        out.append((f"ephemeral {m.channel}", m.text))
        out += [(f"ephemeral {m.channel} block", t) for t in mrkdwn_in(m.blocks or [])]
    for r in slack.responses():
        out.append(("response_url", str(r.body.get("text") or "")))
        out += [("response_url block", t) for t in mrkdwn_in(r.body.get("blocks") or [])]
    for v in slack.views():
        out += [(f"view {v.id}", t) for t in mrkdwn_in(v.view)]
    for body in acks:
        if isinstance(body, dict):
            out.append(("ack", str(body.get("text") or "")))
            out += [("ack block", t) for t in mrkdwn_in(body.get("blocks") or [])]
    return out
