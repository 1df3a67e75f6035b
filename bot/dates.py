"""Dates, times and offsets as users type them (``令和6年6月27日``, ``11時半``, ``5bd``).

Like every parser of user input (see :mod:`bot.parsing`), these NFKC-normalise first and
report each mistake as a :class:`~bot.errors.UserError` naming the accepted forms.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from bot.calendar import WEEKDAYS_EN, WEEKDAYS_JA, Offset, OffsetUnit, era_to_gregorian
from bot.errors import UserError
from bot.parsing import prepare_input, shown_value
from bot.text import normalize

# --- dates -------------------------------------------------------------------------------------

_WEEKDAY_SUFFIX = re.compile(
    r"\((?P<w>[月火水木金土日])(?:曜日?)?\)$|\((?P<e>mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\)$",
    re.IGNORECASE,
)
_ERAS = "令和|平成|昭和|大正|明治"
_DATE_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ymd", re.compile(r"(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})")),
    ("ymd", re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日?")),
    (
        "era",
        re.compile(rf"(?P<era>{_ERAS})(?P<y>\d{{1,2}}|元)年(?P<m>\d{{1,2}})月(?P<d>\d{{1,2}})日?"),
    ),
    (
        "era",
        re.compile(
            r"(?P<era>[RHSTMrhstm])(?P<y>\d{1,2}|元)(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})"
        ),
    ),
    ("md", re.compile(r"(?P<m>\d{1,2})[-/](?P<d>\d{1,2})")),
    ("md", re.compile(r"(?P<m>\d{1,2})月(?P<d>\d{1,2})日?")),
)
_WEEKDAY_NAMES_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_RELATIVE_DAYS = {"today": 0, "今日": 0, "本日": 0, "tomorrow": 1, "明日": 1, "あす": 1}


def parse_date(s: str, today: date) -> date:
    """A date as users write it; a date without a year is the next one on or after ``today``.

    Accepted: ``2024-06-27``, ``2024/6/27``, ``2024.6.27``, ``2024年6月27日``, ``令和6年6月27日``,
    ``令和元年5月1日``, ``R6.6.27``, ``R6/6/27``, ``H31.4.30``, ``6/27``, ``6-27``, ``6月27日``,
    ``today``/``tomorrow``/``今日``/``明日``, with an optional weekday such as ``（木）``, which
    must then be right.

    Raises:
        UserError: ``parse.bad_date`` (not a date form), ``parse.invalid_date`` (no such day),
            ``parse.weekday_mismatch``, ``calendar.bad_era_year``.
    """
    value = re.sub(r"\s+", "", prepare_input(s))
    if value.lower() in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[value.lower()])
    weekday: int | None = None
    suffix = _WEEKDAY_SUFFIX.search(value)
    if suffix is not None:
        if suffix.group("w"):
            weekday = WEEKDAYS_JA.index(suffix.group("w"))
        else:
            weekday = [w.lower() for w in WEEKDAYS_EN].index(suffix.group("e").lower())
        value = value[: suffix.start()]
    for form, pattern in _DATE_FORMS:
        m = pattern.fullmatch(value)
        if m is not None:
            result = _date_from_match(form, m, today, s)
            break
    else:
        raise UserError("parse.bad_date", value=shown_value(normalize(s).strip()))
    if weekday is not None and result.weekday() != weekday:
        raise UserError(
            "parse.weekday_mismatch",
            value=shown_value(value),
            weekday_ja=WEEKDAYS_JA[result.weekday()],
            weekday_en=_WEEKDAY_NAMES_EN[result.weekday()],
        )
    return result


def _date_from_match(form: str, m: re.Match[str], today: date, original: str) -> date:
    month, day = int(m.group("m")), int(m.group("d"))
    shown = shown_value(normalize(original).strip())
    if form == "md":
        for year in range(today.year, min(today.year + 9, 10000)):
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
        raise UserError("parse.invalid_date", value=shown)
    if form == "era":
        era_year = 1 if m.group("y") == "元" else int(m.group("y"))
        year = era_to_gregorian(m.group("era"), era_year)
    else:
        year = int(m.group("y"))
    try:
        return date(year, month, day)
    except ValueError:
        raise UserError("parse.invalid_date", value=shown) from None


# --- times -------------------------------------------------------------------------------------

_TIME = re.compile(
    r"(?P<ampm>午前|午後)?(?P<h>\d{1,2})(?:(?::(?P<m>\d{2}))|時(?:(?P<half>半)|(?P<m2>\d{1,2})分)?)?"
    r"(?P<suffix>am|pm|a\.m\.|p\.m\.)?",
    re.IGNORECASE,
)
# ー (the long-vowel mark) is what many IMEs give for a dash typed in Japanese mode.
_RANGE_SEPARATOR = re.compile(r"-|~|〜|–|—|−|‐|ー|から|to", re.IGNORECASE)


def parse_time(s: str) -> time:
    """A clock time: ``11:00``, ``9:30``, ``11時``, ``11時30分``, ``11時半``, ``午後1時``, ``1pm``.

    Raises:
        UserError: ``parse.bad_time``.
    """
    value = prepare_input(s)
    return _time(re.sub(r"\s+", "", value), value)


def _time(value: str, shown: str) -> time:
    m = _TIME.fullmatch(value)
    if m is None:
        raise UserError("parse.bad_time", value=shown_value(shown))
    hour = int(m.group("h"))
    minute = 30 if m.group("half") else int(m.group("m") or m.group("m2") or 0)
    marker = (m.group("ampm") or m.group("suffix") or "").lower().replace(".", "")
    if marker:
        if marker in ("午前", "am") and hour == 12:
            hour = 0
        elif marker in ("午後", "pm") and hour < 12:
            hour += 12
        elif hour > 12:
            raise UserError("parse.bad_time", value=shown_value(shown))
    if hour > 23 or minute > 59:
        raise UserError("parse.bad_time", value=shown_value(shown))
    return time(hour, minute)


def parse_time_range(s: str) -> tuple[time, time]:
    """A start and end time: ``11:00-12:00``, ``11時-12時``, ``11:00〜12:00``, ``9:30-10`` ….

    Raises:
        UserError: ``parse.bad_time_range``, ``parse.bad_time``, ``parse.time_range_order``.
    """
    value = prepare_input(s)
    compact = re.sub(r"\s+", "", value).removesuffix("まで")
    parts = _RANGE_SEPARATOR.split(compact)
    if len(parts) != 2 or not all(parts):
        raise UserError("parse.bad_time_range", value=shown_value(value))
    start, end = _time(parts[0], parts[0]), _time(parts[1], parts[1])
    if end <= start:
        raise UserError("parse.time_range_order", start=parts[0], end=parts[1])
    return start, end


# --- offsets -----------------------------------------------------------------------------------

MAX_OFFSET_DAYS = 366
_OFFSET = re.compile(
    r"(?P<sign>[-+]?)(?P<n>\d+)(?P<unit>bd|営業日|d|日|h|時間|min|m|分)", re.IGNORECASE
)
_OFFSET_UNITS: dict[str, OffsetUnit] = {
    "bd": "bd",
    "営業日": "bd",
    "d": "d",
    "日": "d",
    "h": "h",
    "時間": "h",
    "min": "m",
    "m": "m",
    "分": "m",
}
_MINUTES_PER: dict[OffsetUnit, int] = {"m": 1, "h": 60, "d": 1440, "bd": 1440}
_NO_OFFSETS = frozenset({"none", "off", "なし"})


def parse_offset(s: str) -> Offset:
    """How long before: ``5bd`` business days, ``2d`` days, ``1h`` hours, ``30m`` minutes.

    Raises:
        UserError: ``parse.bad_offset``, ``parse.offset_not_positive``, ``parse.offset_too_large``.
    """
    value = re.sub(r"\s+", "", prepare_input(s))
    m = _OFFSET.fullmatch(value)
    if m is None:
        raise UserError("parse.bad_offset", value=shown_value(value))
    unit = _OFFSET_UNITS[m.group("unit").lower()]
    digits = m.group("n").lstrip("0")
    if not digits or m.group("sign") == "-":
        raise UserError("parse.offset_not_positive", value=shown_value(value))
    if len(digits) > 9 or int(digits) * _MINUTES_PER[unit] > MAX_OFFSET_DAYS * 1440:
        raise UserError("parse.offset_too_large", value=shown_value(value), limit=MAX_OFFSET_DAYS)
    return Offset(int(digits), unit)


def parse_offsets(s: str) -> list[Offset]:
    """A comma-separated list of offsets (``1bd,1h``, ``1bd、1h``).

    ``none``, ``なし`` and the empty string give no offsets, so ``",".join(map(str, offsets))``
    always reads back. Duplicates are dropped; the order is kept.
    """
    value = prepare_input(s)
    if not value or value.lower() in _NO_OFFSETS:
        return []
    result: list[Offset] = []
    for part in re.split(r"[,、]", value):
        offset = parse_offset(part)
        if offset not in result:
            result.append(offset)
    return result
