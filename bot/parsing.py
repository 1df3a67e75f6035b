"""Command text: tokens, ``key=value`` arguments and the input length limit.

The other parsers of what users type live next to this one: dates, times and offsets in
:mod:`bot.dates`, references and fixed vocabulary in :mod:`bot.vocabulary`. All of them
NFKC-normalise their input first (so ２０２４／６／２７, ＝ and full-width spaces work) and report
every mistake as a :class:`~bot.errors.UserError` whose message says what was wrong and which
forms are accepted. No input makes them raise anything else.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from bot.errors import UserError
from bot.text import normalize, strip_invisible, truncate

MAX_INPUT = 4000
_SHOWN = 40  # how much of a bad value an error message repeats


def check_length(text: str, limit: int = MAX_INPUT) -> None:
    """Refuse input longer than ``limit`` characters (``error.too_long``)."""
    if len(text) > limit:
        raise UserError("error.too_long", length=len(text), limit=limit)


def prepare_input(text: str) -> str:
    """``text`` checked for length, NFKC-normalised and stripped: what every parser reads.

    Raises:
        UserError: ``error.too_long``.
    """
    check_length(text)
    return normalize(text).strip()


def shown_value(value: str) -> str:
    """``value`` cut to the length an error message repeats back to the user."""
    return truncate(value, _SHOWN)


# --- tokens and arguments ----------------------------------------------------------------------

_QUOTES = {
    '"': '"',
    "'": "'",
    "＂": "＂",
    "“": "”",
    "”": "”",
    "「": "」",
    "『": "』",
}
_EQUALS = ("=", "＝")


def tokenize(text: str) -> list[str]:
    """Split on whitespace, keeping quoted groups together and dropping the quotes.

    A quote opens only at the start of a token or right after ``=``, so ``key="a b"``,
    ``key=「a b」`` and ``「a b」`` each give one token while an apostrophe inside a word
    (``don't``) stays a letter.

    Raises:
        UserError: ``error.unterminated_quote`` when a quote is not closed.
    """
    check_length(text)
    # Not NFKC: values keep their full-width brackets and kana; the parsers normalise what
    # they read. Ideographic spaces are whitespace to str.isspace already.
    text = strip_invisible(text)
    tokens: list[str] = []
    buf: list[str] = []
    started = False  # a quoted empty string ("") still makes a token
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            if buf or started:
                tokens.append("".join(buf))
                buf, started = [], False
            i += 1
        elif ch in _QUOTES and (not buf or buf[-1] in _EQUALS):
            close = text.find(_QUOTES[ch], i + 1)
            if close < 0:
                raise UserError("error.unterminated_quote", quote=ch)
            buf.append(text[i + 1 : close])
            started = True
            i = close + 1
        else:
            buf.append(ch)
            i += 1
    if buf or started:
        tokens.append("".join(buf))
    return tokens


@dataclass(frozen=True)
class Args:
    """A command's arguments: positional words in order, and ``key=value`` options."""

    positional: list[str]
    options: dict[str, str]

    def get(self, name: str, default: str | None = None) -> str | None:
        """The value of option ``name``, or ``default``."""
        return self.options.get(name, default)

    def rest(self, start: int = 0) -> str:
        """The positional words from ``start`` on, joined by spaces (a title, a reason)."""
        return " ".join(self.positional[start:])


# The key may be typed full-width (ｐｌａｃｅ＝…); it is read through NFKC, the value is not.
_OPTION = re.compile(r"([A-Za-zＡ-Ｚａ-ｚ_＿]+)[=＝](.*)", re.DOTALL)


def parse_args(text: str, allowed: Collection[str] | None = None) -> Args:
    """Split a command's text into positional words and ``key=value`` options.

    Raises:
        UserError: ``error.unknown_option`` (when ``allowed`` is given),
            ``parse.duplicate_option``, or any error of :func:`tokenize`.
    """
    positional: list[str] = []
    options: dict[str, str] = {}
    for token in tokenize(text):
        m = _OPTION.fullmatch(token)
        if m is None:
            positional.append(token)
            continue
        key, value = normalize(m.group(1)).lower(), m.group(2)
        if allowed is not None and key not in allowed:
            names = ", ".join(f"{name}=" for name in sorted(allowed)) or "-"
            raise UserError("error.unknown_option", option=shown_value(key), allowed=names)
        if key in options:
            raise UserError("parse.duplicate_option", option=key)
        options[key] = value
    return Args(positional, options)
