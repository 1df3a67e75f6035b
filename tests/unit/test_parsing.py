"""Command text: tokens, arguments, the length limit, and no input that crashes any parser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import parsing
from bot.calendar import Offset
from bot.dates import parse_date, parse_offset, parse_offsets, parse_time, parse_time_range
from bot.errors import UserError
from bot.i18n import has
from bot.parsing import Args, check_length, parse_args, tokenize
from bot.text import normalize, strip_invisible
from bot.vocabulary import (
    Ref,
    looks_like_ref,
    parse_disclosure,
    parse_kind,
    parse_outcome,
    parse_ref,
    parse_role,
    parse_user_mention,
    parse_yes_no,
)
from tests.unit.parsing_support import FUZZ, TODAY, error_key

# --- tokens and arguments ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("a b  c", ["a", "b", "c"]),
        ("a\u3000b", ["a", "b"]),
        ("  ", []),
        ("", []),
        ('"a b" c', ["a b", "c"]),
        ("'a b' c", ["a b", "c"]),
        ("“a b” c", ["a b", "c"]),
        ("「a b」 c", ["a b", "c"]),
        ("『a b』", ["a b"]),
        ("「外側『内側』」", ["外側『内側』"]),
        ('key="a b"', ["key=a b"]),
        ("key=「a b」", ["key=a b"]),
        # Values stay as typed (full-width kept); parse_args reads the key through NFKC.
        ("key＝「第1　会議室」", ["key＝第1　会議室"]),
        ('reason=""', ["reason="]),
        ('""', [""]),
        ("don't stop", ["don't", "stop"]),
        ('say"hi there', ['say"hi', "there"]),
        ("議題\u200bです", ["議題です"]),
        ("ｍｅｅｔｉｎｇ　２０２７", ["ｍｅｅｔｉｎｇ", "２０２７"]),
    ],
)
def test_tokenize(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_full_width_option_keys_and_kept_values() -> None:
    args = parse_args("ｐｌａｃｅ＝「第1　会議室（5階）」 ２０２７－０６－２４")
    assert args.options == {"place": "第1　会議室（5階）"}
    assert args.positional == ["２０２７－０６－２４"]


@pytest.mark.parametrize(("text", "quote"), [('"a b', '"'), ("「a b", "「"), ("key='x", "'")])
def test_tokenize_unterminated_quote(text: str, quote: str) -> None:
    with pytest.raises(UserError) as info:
        tokenize(text)
    assert info.value.key == "error.unterminated_quote"
    assert info.value.params == {"quote": quote}


def test_parse_args() -> None:
    args = parse_args("議案 電話 システム place=「第1 会議室」 URL=https://x.example/?a=b")
    assert args == Args(
        ["議案", "電話", "システム"], {"place": "第1 会議室", "url": "https://x.example/?a=b"}
    )
    assert args.rest(1) == "電話 システム"
    assert args.get("place") == "第1 会議室"
    assert args.get("missing", "d") == "d"
    assert parse_args("=x a=b", allowed={"a"}) == Args(["=x"], {"a": "b"})
    assert parse_args("") == Args([], {})


def test_parse_args_rejects() -> None:
    assert error_key(parse_args, "a=1 b=2", {"a"}) == "error.unknown_option"
    assert error_key(parse_args, "a=1 A=2") == "parse.duplicate_option"
    assert error_key(parse_args, 'a="x') == "error.unterminated_quote"
    with pytest.raises(UserError) as info:
        parse_args("colour=red", ["place", "reason"])
    assert info.value.params == {"option": "colour", "allowed": "place=, reason="}


def test_check_length() -> None:
    check_length("x" * 4000)
    assert error_key(check_length, "x" * 4001) == "error.too_long"
    assert error_key(parse_date, "1" * 5000, TODAY) == "error.too_long"
    assert error_key(tokenize, "a " * 3000) == "error.too_long"


# --- properties: no input crashes a parser -----------------------------------------------------

_NASTY = st.sampled_from(
    [
        "\u200b",
        "\u202e",
        "\u3000",
        "\ufeff",
        '"',
        "'",
        "「",
        "」",
        "『",
        "“",
        "”",
        "=",
        "＝",
        "😀",
        "👨‍👩‍👧",
        "٣",
        "ﷺ",
        "㋿",
        "①",
        "１",
        "：",
        "〜",
        "～",
        "-",
        "年",
        "月",
        "日",
        "時",
        "分",
        "元",
        "R",
        "M",
        "bd",
        "(",
        ")",
        "<@",
        ">",
        "|",
        " ",
        "\n",
        "0",
        "9",
    ]
)
_TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(_NASTY, st.text(max_size=3)), max_size=30).map("".join),
    st.integers(min_value=0, max_value=10_000).map(lambda n: "9" * n),
    st.just("a" * 10_000),
)

PARSERS: list[tuple[Callable[[str], object], type | tuple[type, ...]]] = [
    (tokenize, list),
    (parse_args, Args),
    (lambda s: parse_date(s, TODAY), date),
    (parse_time, time),
    (parse_time_range, tuple),
    (parse_offset, Offset),
    (parse_offsets, list),
    (parse_ref, Ref),
    (looks_like_ref, bool),
    (parse_kind, str),
    (parse_outcome, str),
    (parse_disclosure, str),
    (parse_yes_no, bool),
    (parse_role, str),
    (parse_user_mention, str),
]


@FUZZ
@given(text=_TEXT)
def test_every_parser_returns_its_type_or_user_error(text: str) -> None:
    for parser, expected_type in PARSERS:
        try:
            result = parser(text)
        except UserError as error:
            assert has(error.key), error.key
        else:
            assert isinstance(result, expected_type)


_QUOTE_CHARS = set(parsing._QUOTES)


@FUZZ
@given(text=st.text(max_size=200).filter(lambda s: not _QUOTE_CHARS & set(s)))
def test_tokenize_keeps_every_unquoted_character(text: str) -> None:
    normalized = strip_invisible(text)
    tokens = tokenize(text)
    assert tokens == normalized.split()
    assert "".join(tokens) == "".join(ch for ch in normalized if not ch.isspace())


@FUZZ
@given(words=st.lists(st.text(min_size=1, max_size=10), min_size=1, max_size=5))
def test_tokenize_quoted_groups_round_trip(words: list[str]) -> None:
    value = " ".join(normalize(w) for w in words)
    if "」" in value or len(value) > 1000:
        return
    assert tokenize(f"key=「{value}」 tail") == [f"key={value}", "tail"]
