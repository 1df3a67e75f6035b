"""The secretariat's calendar: fiscal years, 和暦 (Japanese era) dates, business days, offsets.

Japanese eras are a hand-written table rather than a dependency such as ``japanera``: the bot
needs only the five modern eras (明治..令和), both directions of the conversion, the one-letter
abbreviations (R/H/S/T/M) and its own error messages. That is a few lines that change once a
generation, and a library would bring a historical era database and its own formatting API for
none of it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

from bot.errors import UserError


@dataclass(frozen=True)
class Era:
    """A Japanese era: its name, its one-letter abbreviation and its first day."""

    name: str
    letter: str
    start: date


# Newest first, so the first era that started on or before a date is the one in force.
ERAS: tuple[Era, ...] = (
    Era("令和", "R", date(2019, 5, 1)),
    Era("平成", "H", date(1989, 1, 8)),
    Era("昭和", "S", date(1926, 12, 25)),
    Era("大正", "T", date(1912, 7, 30)),
    Era("明治", "M", date(1868, 10, 23)),
)
_ERA_BY_NAME = {era.name: era for era in ERAS} | {era.letter: era for era in ERAS}

WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _is_en(lang: str) -> bool:
    return lang == "en"


# --- fiscal year -------------------------------------------------------------------------------


def fiscal_year_of(d: date, start_month: int = 4) -> int:
    """The fiscal year ``d`` belongs to, named after the calendar year in which it starts.

    With the default April start, FY 2027 runs from 2027-04-01 to 2028-03-31; ``start_month=1``
    makes the fiscal year the calendar year.
    """
    if not 1 <= start_month <= 12:
        raise ValueError(f"start_month must be 1..12, not {start_month}")
    return d.year if d.month >= start_month else d.year - 1


def era_of(d: date) -> Era | None:
    """The era in force on ``d``, or None before 明治."""
    for era in ERAS:
        if d >= era.start:
            return era
    return None


def _era_year_text(year: int) -> str:
    return "元" if year == 1 else str(year)


def fiscal_year_label(fy: int, lang: str) -> str:
    """``令和9年度`` / ``FY2027``.

    A fiscal year takes the era in force at the end of its starting calendar year, as Japanese
    administrations write it: FY2019 (from 2019-04-01, still 平成31年) is 令和元年度, and FY2018
    is 平成30年度.
    """
    if _is_en(lang):
        return f"FY{fy}"
    era = era_of(date(fy, 12, 31)) if 1 <= fy <= 9999 else None
    if era is None:
        return f"{fy}年度"
    return f"{era.name}{_era_year_text(fy - era.start.year + 1)}年度"


# --- 和暦 --------------------------------------------------------------------------------------


def wareki(d: date) -> tuple[str, int] | None:
    """``(era name, year in era)`` for ``d``, or None before 明治."""
    era = era_of(d)
    if era is None:
        return None
    return era.name, d.year - era.start.year + 1


def era_to_gregorian(era: str, year: int) -> int:
    """The Gregorian year of ``year`` in ``era`` (令和/平成/昭和/大正/明治 or R/H/S/T/M).

    Years past an era's end (平成32年 = 2020) are accepted, as printed forms still use them.

    Raises:
        UserError: ``calendar.unknown_era`` or ``calendar.bad_era_year``.
    """
    found = _ERA_BY_NAME.get(era.strip().upper() if era.isascii() else era.strip())
    if found is None:
        raise UserError("calendar.unknown_era", era=era[:20])
    if not 1 <= year <= 99:
        raise UserError("calendar.bad_era_year", era=found.name, year=year)
    return found.start.year + year - 1


def format_date_short(d: date, lang: str) -> str:
    """``令和9年6月24日`` / ``2027-06-24``."""
    if _is_en(lang):
        return d.isoformat()
    w = wareki(d)
    if w is None:
        return f"{d.year}年{d.month}月{d.day}日"
    name, year = w
    return f"{name}{_era_year_text(year)}年{d.month}月{d.day}日"


def format_date(d: date, lang: str) -> str:
    """``令和9年6月24日（木）`` / ``2027-06-24 (Thu)``."""
    if _is_en(lang):
        return f"{d.isoformat()} ({WEEKDAYS_EN[d.weekday()]})"
    return f"{format_date_short(d, lang)}（{WEEKDAYS_JA[d.weekday()]}）"


def format_time(t: time) -> str:
    """``11:00``, ``9:30`` (no leading zero, as Japanese notices write it)."""
    return f"{t.hour}:{t.minute:02d}"


def format_time_range(start: time, end: time, lang: str) -> str:
    """``11:00～12:00`` / ``11:00–12:00``."""
    dash = "–" if _is_en(lang) else "～"
    return f"{format_time(start)}{dash}{format_time(end)}"


# --- business days -----------------------------------------------------------------------------

YEAR_END_CLOSURE: tuple[tuple[int, int], ...] = (
    (12, 29),
    (12, 30),
    (12, 31),
    (1, 1),
    (1, 2),
    (1, 3),
)


@dataclass
class BusinessCalendar:
    """Which days the secretariat works: not weekends, public holidays or closed days.

    Args:
        country: a country code for the ``holidays`` library (``"JP"``), or None for none.
        closed_days: ``(month, day)`` pairs closed every year; by default 12/29–1/3.
        subdiv: an optional subdivision code for regional holidays.
    """

    country: str | None = "JP"
    closed_days: Iterable[tuple[int, int]] = YEAR_END_CLOSURE
    subdiv: str | None = None
    _closed_by_year: dict[int, frozenset[date]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self.closed_days = tuple(self.closed_days)

    def _closed(self, year: int) -> frozenset[date]:
        cached = self._closed_by_year.get(year)
        if cached is not None:
            return cached
        days: set[date] = set()
        if self.country:
            days.update(holidays.country_holidays(self.country, subdiv=self.subdiv, years=year))
        for month, day in self.closed_days:
            with contextlib.suppress(ValueError):  # 2/29 in a common year
                days.add(date(year, month, day))
        closed = frozenset(days)
        self._closed_by_year[year] = closed
        return closed

    def is_business_day(self, d: date) -> bool:
        """Whether ``d`` is a working day."""
        return d.weekday() < 5 and d not in self._closed(d.year)

    def next_business_day(self, d: date, include_today: bool = False) -> date:
        """The first business day after ``d`` (or ``d`` itself with ``include_today``)."""
        day = d if include_today else d + timedelta(days=1)
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def previous_business_day(self, d: date, include_today: bool = False) -> date:
        """The last business day before ``d`` (or ``d`` itself with ``include_today``)."""
        day = d if include_today else d - timedelta(days=1)
        while not self.is_business_day(day):
            day -= timedelta(days=1)
        return day

    def add_business_days(self, d: date, n: int) -> date:
        """The ``n``-th business day after ``d``; before it when ``n`` is negative.

        ``d`` itself is never counted, so ``add_business_days(d, -5)`` is "5 business days
        before d" whatever ``d`` is; ``n == 0`` returns ``d``.
        """
        step = timedelta(days=1 if n > 0 else -1)
        day = d
        for _ in range(abs(n)):
            day += step
            while not self.is_business_day(day):
                day += step
        return day

    def business_days_between(self, a: date, b: date) -> int:
        """How many business-day steps lead from ``a`` to ``b``; negative when ``b < a``.

        Forwards, the business days after ``a`` up to and including ``b``; backwards, those
        from ``b`` up to but excluding ``a``. So it is the inverse of :meth:`add_business_days`:
        ``business_days_between(d, add_business_days(d, n)) == n``.
        """
        low, high, sign = (
            (a, b, 1) if a <= b else (b - timedelta(days=1), a - timedelta(days=1), -1)
        )
        count = 0
        day = low + timedelta(days=1)
        while day <= high:
            if self.is_business_day(day):
                count += 1
            day += timedelta(days=1)
        return sign * count


# --- offsets -----------------------------------------------------------------------------------

OffsetUnit = Literal["m", "h", "d", "bd"]


@dataclass(frozen=True)
class Offset:
    """ "5 business days before", "1 hour before": how long before a moment something happens."""

    amount: int
    unit: OffsetUnit

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def before(self, moment: datetime, cal: BusinessCalendar, tz: ZoneInfo) -> datetime:
        """The moment this offset before ``moment``, in ``moment``'s own time zone.

        ``m``/``h``/``d`` subtract wall-clock time in ``tz``; ``bd`` keeps the local clock time
        on the date ``amount`` business days before the local date of ``moment``.
        """
        if moment.tzinfo is None:
            raise ValueError("moment must be time-zone aware")
        local = moment.astimezone(tz).replace(tzinfo=None)
        if self.unit == "bd":
            day = cal.add_business_days(local.date(), -self.amount)
            shifted = datetime.combine(day, local.time())
        elif self.unit == "d":
            shifted = local - timedelta(days=self.amount)
        elif self.unit == "h":
            shifted = local - timedelta(hours=self.amount)
        else:
            shifted = local - timedelta(minutes=self.amount)
        return shifted.replace(tzinfo=tz).astimezone(moment.tzinfo)
