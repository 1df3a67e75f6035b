"""Everything users type: accepted forms, rejected forms, and no input that crashes a parser."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import parsing
from bot.calendar import Offset, format_date, format_date_short
from bot.errors import UserError
from bot.i18n import has, t
from bot.parsing import (
    Args,
    Ref,
    check_length,
    looks_like_ref,
    parse_args,
    parse_date,
    parse_disclosure,
    parse_kind,
    parse_offset,
    parse_offsets,
    parse_outcome,
    parse_ref,
    parse_role,
    parse_time,
    parse_time_range,
    parse_user_mention,
    parse_yes_no,
    tokenize,
)
from bot.text import normalize, strip_invisible

TODAY = date(2025, 3, 1)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def error_key(fn: Callable[..., Any], *args: Any) -> str:
    with pytest.raises(UserError) as info:
        fn(*args)
    key = info.value.key
    assert has(key), f"message key {key} is not in the catalogs"
    for lang in ("ja", "en"):  # every placeholder is filled
        assert not re.search(r"\{[a-z_]+\}", t(lang, key, **info.value.params))
    return key


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


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-27", date(2024, 6, 27)),
        ("2024/6/27", date(2024, 6, 27)),
        ("2024.6.27", date(2024, 6, 27)),
        ("２０２４／６／２７", date(2024, 6, 27)),
        ("2024年6月27日", date(2024, 6, 27)),
        ("2024年 6月 27日", date(2024, 6, 27)),
        ("令和6年6月27日", date(2024, 6, 27)),
        ("令和６年６月２７日", date(2024, 6, 27)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("㋿6年6月27日", date(2024, 6, 27)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("R6.6.27", date(2024, 6, 27)),
        ("r6.6.27", date(2024, 6, 27)),
        ("R6/6/27", date(2024, 6, 27)),
        ("Ｒ６．６．２７", date(2024, 6, 27)),
        ("H31.4.30", date(2019, 4, 30)),
        ("R元.5.1", date(2019, 5, 1)),
        ("6/27", date(2025, 6, 27)),
        ("6-27", date(2025, 6, 27)),
        ("6月27日", date(2025, 6, 27)),
        ("６月２７日", date(2025, 6, 27)),
        ("3/1", date(2025, 3, 1)),  # today counts
        ("2/28", date(2026, 2, 28)),  # already past this year
        ("2/29", date(2028, 2, 29)),  # next leap day
        ("1月5日", date(2026, 1, 5)),
        ("令和9年6月24日（木）", date(2027, 6, 24)),
        ("2027-06-24 (Thu)", date(2027, 6, 24)),
        ("6/26(木曜日)", date(2025, 6, 26)),
        ("6/26 (Thursday)", date(2025, 6, 26)),
        ("today", TODAY),
        ("明日", date(2025, 3, 2)),
        (" 2024-06-27 ", date(2024, 6, 27)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "parse.bad_date"),
        ("tomorrow-ish", "parse.bad_date"),
        ("2024-06", "parse.bad_date"),
        ("2024-06/27", "parse.bad_date"),
        ("24/6/27", "parse.bad_date"),
        ("6.27", "parse.bad_date"),
        ("2024-6-27-1", "parse.bad_date"),
        ("X6.6.27", "parse.bad_date"),
        ("慶応3年1月1日", "parse.bad_date"),
        ("(木)", "parse.bad_date"),
        ("2月30日", "parse.invalid_date"),
        ("2/30", "parse.invalid_date"),
        ("13/1", "parse.invalid_date"),
        ("0/1", "parse.invalid_date"),
        ("2023-02-29", "parse.invalid_date"),
        ("2024-13-01", "parse.invalid_date"),
        ("0000-01-01", "parse.invalid_date"),
        ("令和6年2月30日", "parse.invalid_date"),
        ("令和0年1月1日", "calendar.bad_era_year"),
        ("R0.1.1", "calendar.bad_era_year"),
        ("2027-06-24 (Fri)", "parse.weekday_mismatch"),
        ("令和9年6月24日（月）", "parse.weekday_mismatch"),
        ("6/24(木曜日)", "parse.weekday_mismatch"),
    ],
)
def test_parse_date_rejects(text: str, key: str) -> None:
    assert error_key(parse_date, text, TODAY) == key


_DATES = st.dates(min_value=date(1868, 10, 23), max_value=date(2100, 12, 31))


@FUZZ
@given(d=_DATES, today=_DATES)
def test_parse_date_round_trips(d: date, today: date) -> None:
    ja = format_date_short(d, "ja")
    assert parse_date(d.isoformat(), today) == d
    assert parse_date(f"{d.year}/{d.month}/{d.day}", today) == d
    assert parse_date(ja, today) == d
    assert parse_date(format_date(d, "ja"), today) == d
    assert parse_date(format_date(d, "en"), today) == d
    letter = {"令和": "R", "平成": "H", "昭和": "S", "大正": "T", "明治": "M"}[ja[:2]]
    era_year = ja[2 : ja.index("年")].replace("元", "1")
    assert parse_date(f"{letter}{era_year}.{d.month}.{d.day}", today) == d


@FUZZ
@given(d=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), today=_DATES)
def test_yearless_date_is_next_on_or_after_today(d: date, today: date) -> None:
    result = parse_date(f"{d.month}月{d.day}日", today)
    assert (result.month, result.day) == (d.month, d.day)
    assert today <= result
    assert result.year - today.year <= (1 if (d.month, d.day) != (2, 29) else 8)


# --- times -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11:00", time(11)),
        ("9:30", time(9, 30)),
        ("09:05", time(9, 5)),
        ("０：００", time(0)),
        ("23:59", time(23, 59)),
        ("11時", time(11)),
        ("11時30分", time(11, 30)),
        ("11時5分", time(11, 5)),
        ("11時半", time(11, 30)),
        ("午後1時", time(13)),
        ("午前0時", time(0)),
        ("1pm", time(13)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("10", time(10)),
    ],
)
def test_parse_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text", ["", "24:00", "25時", "11:60", "11:5", "11時60分", "午後13時", "noon", "11:00:00", "-1"]
)
def test_parse_time_rejects(text: str) -> None:
    assert error_key(parse_time, text) == "parse.bad_time"


@pytest.mark.parametrize(
    "text",
    [
        "11:00-12:00",
        "11時-12時",
        "11:00〜12:00",
        "11:00～12:00",
        "11:00~12:00",
        "11:00–12:00",
        "11:00—12:00",
        "11:00 - 12:00",
        "１１：００－１２：００",
        "11時から12時",
        "11時から12時まで",
        "11:00 to 12:00",
        "11-12",
    ],
)
def test_parse_time_range(text: str) -> None:
    assert parse_time_range(text) == (time(11), time(12))


def test_parse_time_range_partial_hours() -> None:
    assert parse_time_range("9:30-10") == (time(9, 30), time(10))
    assert parse_time_range("11時30分-12時") == (time(11, 30), time(12))


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "parse.bad_time_range"),
        ("11:00", "parse.bad_time_range"),
        ("11:00-", "parse.bad_time_range"),
        ("-12:00", "parse.bad_time_range"),
        ("11:00-12:00-13:00", "parse.bad_time_range"),
        ("11:00-25:00", "parse.bad_time"),
        ("lunch-12:00", "parse.bad_time"),
        ("12:00-11:00", "parse.time_range_order"),
        ("12:00-12:00", "parse.time_range_order"),
    ],
)
def test_parse_time_range_rejects(text: str, key: str) -> None:
    assert error_key(parse_time_range, text) == key


# --- offsets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5bd", Offset(5, "bd")),
        ("5BD", Offset(5, "bd")),
        ("5営業日", Offset(5, "bd")),
        ("2d", Offset(2, "d")),
        ("2日", Offset(2, "d")),
        ("1h", Offset(1, "h")),
        ("1時間", Offset(1, "h")),
        ("30m", Offset(30, "m")),
        ("30min", Offset(30, "m")),
        ("30分", Offset(30, "m")),
        ("３０ｍ", Offset(30, "m")),
        ("05bd", Offset(5, "bd")),
        ("366d", Offset(366, "d")),
        ("8784h", Offset(8784, "h")),
    ],
)
def test_parse_offset(text: str, expected: Offset) -> None:
    assert parse_offset(text) == expected
    assert parse_offset(str(expected)) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "parse.bad_offset"),
        ("5", "parse.bad_offset"),
        ("bd", "parse.bad_offset"),
        ("5w", "parse.bad_offset"),
        ("1.5h", "parse.bad_offset"),
        ("0bd", "parse.offset_not_positive"),
        ("-5bd", "parse.offset_not_positive"),
        ("367d", "parse.offset_too_large"),
        ("400bd", "parse.offset_too_large"),
        ("8785h", "parse.offset_too_large"),
        ("99999999999999999999m", "parse.offset_too_large"),
    ],
)
def test_parse_offset_rejects(text: str, key: str) -> None:
    assert error_key(parse_offset, text) == key


@FUZZ
@given(
    st.lists(
        st.sampled_from(["bd", "d", "h", "m"]).flatmap(
            lambda unit: st.builds(
                Offset, st.integers(1, 366 if unit in ("bd", "d") else 300), st.just(unit)
            )
        )
    )
)
def test_parse_offsets_reads_back_what_it_stores(offsets: list[Offset]) -> None:
    unique = list(dict.fromkeys(offsets))
    assert parse_offsets(",".join(map(str, unique))) == unique


def test_parse_offsets() -> None:
    assert parse_offsets("1bd,1h") == [Offset(1, "bd"), Offset(1, "h")]
    assert parse_offsets("1bd、1h，30m") == [Offset(1, "bd"), Offset(1, "h"), Offset(30, "m")]
    assert parse_offsets("1bd, 1h") == [Offset(1, "bd"), Offset(1, "h")]
    assert parse_offsets("1h,60m,1h") == [Offset(1, "h"), Offset(60, "m")]
    assert parse_offsets("none") == []
    assert parse_offsets("なし") == []
    assert error_key(parse_offsets, "1bd,,1h") == "parse.bad_offset"
    assert parse_offsets("") == []
    assert parse_offsets(" ") == []
    assert error_key(parse_offsets, ",") == "parse.bad_offset"
    assert error_key(parse_offsets, "1bd,0h") == "parse.offset_not_positive"


# --- references --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("M12", Ref("meeting", 12)),
        ("m12", Ref("meeting", 12)),
        ("Ｍ１２", Ref("meeting", 12)),
        ("#M12", Ref("meeting", 12)),
        ("A34", Ref("item", 34)),
        ("D5", Ref("decision", 5)),
        ("next", Ref("next")),
        ("Next", Ref("next")),
        ("次回", Ref("next")),
        ("last", Ref("last")),
        ("前回", Ref("last")),
        ("議案2", Ref("item_in_meeting", 2, "proposal")),
        ("議案(2)", Ref("item_in_meeting", 2, "proposal")),
        ("議案（２）", Ref("item_in_meeting", 2, "proposal")),
        ("議案②", Ref("item_in_meeting", 2, "proposal")),
        ("proposal2", Ref("item_in_meeting", 2, "proposal")),
        ("proposal 2", Ref("item_in_meeting", 2, "proposal")),
        ("Proposal2", Ref("item_in_meeting", 2, "proposal")),
        ("報告1", Ref("item_in_meeting", 1, "report")),
        ("報告事項1", Ref("item_in_meeting", 1, "report")),
        ("report1", Ref("item_in_meeting", 1, "report")),
        ("確認1", Ref("item_in_meeting", 1, "confirm")),
        ("確認事項1", Ref("item_in_meeting", 1, "confirm")),
        ("confirm1", Ref("item_in_meeting", 1, "confirm")),
    ],
)
def test_parse_ref(text: str, expected: Ref) -> None:
    assert parse_ref(text) == expected
    assert looks_like_ref(text)
    assert parse_ref(str(expected)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "M",
        "M0",
        "A-1",
        "X12",
        "12",
        "議案",
        "議案0",
        "議題2",
        "agenda2",
        "M1.5",
        "next2",
        "議案(2",
    ],
)
def test_parse_ref_rejects(text: str) -> None:
    assert error_key(parse_ref, text) == "parse.bad_ref"
    assert not looks_like_ref(text)


# --- vocabulary --------------------------------------------------------------------------------

VOCABULARY: list[tuple[Callable[[str], object], str, object]] = [
    *[(parse_kind, s, "confirm") for s in ("confirm", "CONFIRM", "確認", "確認事項")],
    *[(parse_kind, s, "proposal") for s in ("proposal", "議案")],
    *[(parse_kind, s, "report") for s in ("report", "報告", "報告事項")],
    *[(parse_outcome, s, "approved") for s in ("approved", "approve", "承認", "可決")],
    *[(parse_outcome, s, "amended") for s in ("amended", "修正承認")],
    *[(parse_outcome, s, "rejected") for s in ("rejected", "否決")],
    *[(parse_outcome, s, "reexamine") for s in ("reexamine", "re-examine", "再検討")],
    *[(parse_outcome, s, "deferred") for s in ("deferred", "継続審議")],
    *[(parse_outcome, s, "noted") for s in ("noted", "Noted", "了承")],
    *[(parse_disclosure, s, "public") for s in ("public", "公開")],
    *[(parse_disclosure, s, "closed") for s in ("closed", "private", "非公開")],
    *[(parse_disclosure, s, "partial") for s in ("partial", "一部非公開")],
    *[(parse_yes_no, s, True) for s in ("yes", "YES", "true", "1", "on", "はい", "１")],
    *[(parse_yes_no, s, False) for s in ("no", "false", "0", "off", "いいえ")],
    *[(parse_role, s, "chair") for s in ("chair", "本部長", "委員長", "議長")],
    *[(parse_role, s, "vice_chair") for s in ("vice_chair", "vice-chair", "副本部長", "副委員長")],
    *[(parse_role, s, "member") for s in ("member", "部員", "委員")],
    *[(parse_role, s, "secretariat") for s in ("secretariat", "事務局")],
]


@pytest.mark.parametrize(("fn", "text", "expected"), VOCABULARY)
def test_vocabulary(fn: Callable[[str], object], text: str, expected: object) -> None:
    assert fn(text) == expected


@pytest.mark.parametrize(
    ("fn", "key"),
    [
        (parse_kind, "parse.bad_kind"),
        (parse_outcome, "parse.bad_outcome"),
        (parse_disclosure, "parse.bad_disclosure"),
        (parse_yes_no, "parse.bad_yes_no"),
        (parse_role, "parse.bad_role"),
        (parse_user_mention, "parse.bad_mention"),
    ],
)
@pytest.mark.parametrize("text", ["", "maybe", "議題", "承認済み", "<@U1", "yes please"])
def test_vocabulary_rejects(fn: Callable[[str], object], key: str, text: str) -> None:
    assert error_key(fn, text) == key


@pytest.mark.parametrize(
    ("text", "user"),
    [("<@U123ABC>", "U123ABC"), ("<@U123ABC|taro>", "U123ABC"), (" <@W9Z> ", "W9Z")],
)
def test_parse_user_mention(text: str, user: str) -> None:
    assert parse_user_mention(text) == user


@pytest.mark.parametrize("text", ["@taro", "U123ABC", "<@u123>", "<#C123>", "<@U1><@U2>", "<@>"])
def test_parse_user_mention_rejects(text: str) -> None:
    assert error_key(parse_user_mention, text) == "parse.bad_mention"


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
