"""Text at the edges: NFKC normalisation of input, escaping for Slack mrkdwn."""

from __future__ import annotations

import re
import unicodedata

# Zero-width and bidi control characters: invisible, and able to make a name look like another.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def strip_invisible(text: str) -> str:
    """Drop zero-width and bidi control characters, keeping everything else as typed.

    Free text (titles, places, notes) is stored as the user wrote it, full-width brackets
    included, because the minutes print it; only the parsers read NFKC-normalised text.
    """
    return _INVISIBLE.sub("", text)


def normalize(text: str) -> str:
    """NFKC-normalise user input and drop invisible control characters.

    Full-width digits, spaces and ＝ become their ASCII forms, so ``ｍｅｅｔｉｎｇ　２０２７`` and
    ``meeting 2027`` read the same. 〜 and ～ survive NFKC, so the parsers accept both.
    """
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


class Mrkdwn(str):
    """Text that is already valid Slack mrkdwn (mentions, links made by the bot): not escaped."""

    __slots__ = ()


def escape_mrkdwn(text: object) -> str:
    """Escape the three characters Slack treats as control characters in message text.

    Everything a user typed goes through here before it reaches a message, so ``<!channel>``
    or ``<@U123>`` typed by someone shows literally and pings nobody.
    """
    if isinstance(text, Mrkdwn):
        return text
    # Escaped text is safe mrkdwn: marking it so (typed as plain str for callers) keeps it
    # from being escaped twice when it is passed on as a message parameter.
    return Mrkdwn(str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def user_mention(user_id: str) -> Mrkdwn:
    """A mention of a Slack user, made by the bot from a stored id."""
    if not re.fullmatch(r"[UW][A-Z0-9]+", user_id):
        return Mrkdwn(escape_mrkdwn(user_id))
    return Mrkdwn(f"<@{user_id}>")


def channel_mention(channel_id: str) -> Mrkdwn:
    """A link to a Slack channel, made by the bot from a stored id."""
    if not re.fullmatch(r"[CGD][A-Z0-9]+", channel_id):
        return Mrkdwn(escape_mrkdwn(channel_id))
    return Mrkdwn(f"<#{channel_id}>")


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"
