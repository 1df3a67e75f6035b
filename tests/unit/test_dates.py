"""Dates, times and offsets as users type them: accepted forms and rejected forms."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.calendar import Offset, format_date, format_date_short
from bot.dates import parse_date, parse_offset, parse_offsets, parse_time, parse_time_range
from tests.unit.parsing_support import FUZZ, TODAY, error_key

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
