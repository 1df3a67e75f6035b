"""Fiscal years, 和暦 dates, business days and offsets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.calendar import (
    BusinessCalendar,
    Offset,
    era_to_gregorian,
    fiscal_year_label,
    fiscal_year_of,
    format_date,
    format_date_short,
    format_time,
    format_time_range,
)
from bot.errors import UserError
from bot.i18n import has

TOKYO = ZoneInfo("Asia/Tokyo")
CAL = BusinessCalendar()


# --- fiscal year -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "start_month", "fy"),
    [
        (date(2027, 4, 1), 4, 2027),
        (date(2028, 3, 31), 4, 2027),
        (date(2027, 3, 31), 4, 2026),
        (date(2027, 12, 31), 4, 2027),
        (date(2027, 1, 1), 1, 2027),
        (date(2027, 12, 31), 1, 2027),
        (date(2027, 9, 30), 10, 2026),
        (date(2027, 10, 1), 10, 2027),
    ],
)
def test_fiscal_year_of(d: date, start_month: int, fy: int) -> None:
    assert fiscal_year_of(d, start_month) == fy


def test_fiscal_year_of_rejects_bad_start_month() -> None:
    with pytest.raises(ValueError):
        fiscal_year_of(date(2027, 1, 1), 13)


@pytest.mark.parametrize(
    ("fy", "ja"),
    [
        (2027, "令和9年度"),
        (2024, "令和6年度"),
        (2020, "令和2年度"),
        (2019, "令和元年度"),
        (2018, "平成30年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
        (1800, "1800年度"),
    ],
)
def test_fiscal_year_label(fy: int, ja: str) -> None:
    assert fiscal_year_label(fy, "ja") == ja
    assert fiscal_year_label(fy, "en") == f"FY{fy}"


# --- dates and times ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "ja", "en"),
    [
        (date(2027, 6, 24), "令和9年6月24日（木）", "2027-06-24 (Thu)"),
        (date(2019, 5, 1), "令和元年5月1日（水）", "2019-05-01 (Wed)"),
        (date(2019, 4, 30), "平成31年4月30日（火）", "2019-04-30 (Tue)"),
        (date(1989, 1, 8), "平成元年1月8日（日）", "1989-01-08 (Sun)"),
        (date(1989, 1, 7), "昭和64年1月7日（土）", "1989-01-07 (Sat)"),
        (date(2024, 6, 27), "令和6年6月27日（木）", "2024-06-27 (Thu)"),
        (date(1850, 1, 1), "1850年1月1日（火）", "1850-01-01 (Tue)"),
    ],
)
def test_format_date(d: date, ja: str, en: str) -> None:
    assert format_date(d, "ja") == ja
    assert format_date(d, "en") == en
    assert format_date_short(d, "ja") == ja[: ja.index("（")]
    assert format_date_short(d, "en") == d.isoformat()


def test_format_time() -> None:
    assert format_time(time(11, 0)) == "11:00"
    assert format_time(time(9, 5)) == "9:05"
    assert format_time_range(time(11), time(12), "ja") == "11:00～12:00"
    assert format_time_range(time(11), time(12, 30), "en") == "11:00–12:30"


@pytest.mark.parametrize(
    ("era", "year", "gregorian"),
    [
        ("令和", 1, 2019),
        ("令和", 6, 2024),
        ("R", 6, 2024),
        ("r", 6, 2024),
        ("平成", 31, 2019),
        ("H", 1, 1989),
        ("昭和", 64, 1989),
        ("S", 1, 1926),
        ("大正", 1, 1912),
        ("明治", 1, 1868),
    ],
)
def test_era_to_gregorian(era: str, year: int, gregorian: int) -> None:
    assert era_to_gregorian(era, year) == gregorian


@pytest.mark.parametrize(
    ("era", "year", "key"),
    [
        ("X", 1, "calendar.unknown_era"),
        ("慶応", 1, "calendar.unknown_era"),
        ("", 1, "calendar.unknown_era"),
        ("令和", 0, "calendar.bad_era_year"),
        ("令和", -1, "calendar.bad_era_year"),
        ("令和", 100, "calendar.bad_era_year"),
    ],
)
def test_era_to_gregorian_rejects(era: str, year: int, key: str) -> None:
    with pytest.raises(UserError) as info:
        era_to_gregorian(era, year)
    assert info.value.key == key
    assert has(key)


# --- business days -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "open_"),
    [
        (date(2027, 6, 24), True),  # Thursday
        (date(2027, 6, 26), False),  # Saturday
        (date(2027, 6, 27), False),  # Sunday
        (date(2027, 4, 29), False),  # 昭和の日
        (date(2027, 4, 30), True),
        (date(2027, 5, 3), False),  # 憲法記念日
        (date(2027, 5, 4), False),  # みどりの日
        (date(2027, 5, 5), False),  # こどもの日
        (date(2027, 5, 6), True),
        (date(2027, 3, 22), False),  # 振替休日 for 春分の日 on Sunday 3/21
        (date(2026, 5, 6), False),  # 振替休日 for 憲法記念日 on Sunday 2026-05-03
        (date(2027, 12, 28), True),
        (date(2027, 12, 29), False),  # year-end closure
        (date(2027, 12, 30), False),
        (date(2027, 12, 31), False),
        (date(2028, 1, 3), False),
        (date(2028, 1, 4), True),
    ],
)
def test_is_business_day(d: date, open_: bool) -> None:
    assert CAL.is_business_day(d) is open_


def test_calendar_without_holidays_or_closure() -> None:
    cal = BusinessCalendar(country=None, closed_days=())
    assert cal.is_business_day(date(2027, 5, 3))
    assert cal.is_business_day(date(2027, 12, 30))
    assert not cal.is_business_day(date(2027, 5, 1))


def test_custom_closed_days_with_leap_day() -> None:
    cal = BusinessCalendar(closed_days=[(2, 29), (6, 24)])
    assert not cal.is_business_day(date(2027, 6, 24))
    assert cal.is_business_day(date(2027, 12, 29))
    assert not cal.is_business_day(date(2028, 2, 29))
    assert cal.is_business_day(date(2027, 3, 1))


def test_next_business_day() -> None:
    assert CAL.next_business_day(date(2027, 4, 30)) == date(2027, 5, 6)
    assert CAL.next_business_day(date(2027, 4, 30), include_today=True) == date(2027, 4, 30)
    assert CAL.next_business_day(date(2027, 5, 1), include_today=True) == date(2027, 5, 6)
    assert CAL.next_business_day(date(2027, 12, 28)) == date(2028, 1, 4)
    assert CAL.previous_business_day(date(2027, 5, 6)) == date(2027, 4, 30)


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        (date(2028, 1, 6), -5, date(2027, 12, 24)),  # across the year-end closure
        (date(2027, 5, 6), -1, date(2027, 4, 30)),  # across Golden Week
        (date(2027, 5, 6), -2, date(2027, 4, 28)),
        (date(2027, 4, 28), 2, date(2027, 5, 6)),
        (date(2027, 6, 28), -1, date(2027, 6, 25)),  # Monday → Friday
        (date(2027, 6, 26), -1, date(2027, 6, 25)),  # from a Saturday
        (date(2027, 6, 26), 1, date(2027, 6, 28)),
        (date(2027, 6, 26), 0, date(2027, 6, 26)),
        (date(2027, 3, 23), -1, date(2027, 3, 19)),  # substitute holiday 3/22
    ],
)
def test_add_business_days(d: date, n: int, expected: date) -> None:
    assert CAL.add_business_days(d, n) == expected


def test_business_days_between() -> None:
    assert CAL.business_days_between(date(2027, 12, 24), date(2028, 1, 6)) == 5
    assert CAL.business_days_between(date(2028, 1, 6), date(2027, 12, 24)) == -5
    assert CAL.business_days_between(date(2027, 4, 30), date(2027, 5, 6)) == 1
    assert CAL.business_days_between(date(2027, 6, 24), date(2027, 6, 24)) == 0


@settings(max_examples=200, deadline=None)
@given(
    d=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    n=st.integers(min_value=-60, max_value=60),
)
def test_add_and_between_are_inverse(d: date, n: int) -> None:
    result = CAL.add_business_days(d, n)
    assert CAL.business_days_between(d, result) == n
    if n != 0:
        assert CAL.is_business_day(result)


def test_holiday_years_are_cached_and_fast() -> None:
    cal = BusinessCalendar()
    start = datetime.now()
    for _ in range(20):
        cal.add_business_days(date(2027, 1, 1), 250)
    assert datetime.now() - start < timedelta(seconds=2)
    assert 2027 in cal._closed_by_year


# --- offsets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "moment", "expected"),
    [
        (Offset(30, "m"), datetime(2027, 6, 24, 11, 0), datetime(2027, 6, 24, 10, 30)),
        (Offset(1, "h"), datetime(2027, 6, 24, 0, 30), datetime(2027, 6, 23, 23, 30)),
        (Offset(2, "d"), datetime(2027, 6, 24, 11, 0), datetime(2027, 6, 22, 11, 0)),
        (Offset(1, "bd"), datetime(2027, 5, 6, 11, 0), datetime(2027, 4, 30, 11, 0)),
        (Offset(5, "bd"), datetime(2028, 1, 6, 10, 0), datetime(2027, 12, 24, 10, 0)),
    ],
)
def test_offset_before_in_local_time(offset: Offset, moment: datetime, expected: datetime) -> None:
    result = offset.before(moment.replace(tzinfo=TOKYO), CAL, TOKYO)
    assert result == expected.replace(tzinfo=TOKYO)
    assert result.tzinfo is TOKYO


def test_offset_bd_uses_the_local_date_and_keeps_the_input_zone() -> None:
    # 2027-05-06 00:30 in Tokyo is 2027-05-05 15:30 UTC: the local date counts.
    moment = datetime(2027, 5, 5, 15, 30, tzinfo=UTC)
    result = Offset(1, "bd").before(moment, CAL, TOKYO)
    assert result.tzinfo is UTC
    assert result.astimezone(TOKYO) == datetime(2027, 4, 30, 0, 30, tzinfo=TOKYO)


def test_offset_before_rejects_naive_moment() -> None:
    with pytest.raises(ValueError):
        Offset(1, "h").before(datetime(2027, 6, 24, 11), CAL, TOKYO)


def test_offset_str() -> None:
    assert str(Offset(5, "bd")) == "5bd"
    assert str(Offset(30, "m")) == "30m"
