"""Everything users type: arguments, dates, times, offsets, references and vocabulary.

Every function NFKC-normalises its input first (so ２０２４／６／２７, ＝ and full-width spaces
work) and reports every mistake as a :class:`~bot.errors.UserError` whose message says what was
wrong and which forms are accepted. No input makes these functions raise anything else.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Literal, TypeVar

from bot.calendar import WEEKDAYS_EN, WEEKDAYS_JA, Offset, OffsetUnit, era_to_gregorian
from bot.errors import UserError
from bot.text import normalize, strip_invisible, truncate

MAX_INPUT = 4000
_SHOWN = 40  # how much of a bad value an error message repeats

Kind = Literal["confirm", "proposal", "report"]
Outcome = Literal["approved", "amended", "rejected", "reexamine", "deferred", "noted"]
Disclosure = Literal["public", "closed", "partial"]
Role = Literal["chair", "vice_chair", "member", "secretariat"]
RefKind = Literal["meeting", "item", "decision", "next", "last", "item_in_meeting"]

_T = TypeVar("_T")


def check_length(text: str, limit: int = MAX_INPUT) -> None:
    """Refuse input longer than ``limit`` characters (``error.too_long``)."""
    if len(text) > limit:
        raise UserError("error.too_long", length=len(text), limit=limit)


def _prepare(text: str) -> str:
    check_length(text)
    return normalize(text).strip()


def _shown(value: str) -> str:
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
            raise UserError("error.unknown_option", option=_shown(key), allowed=names)
        if key in options:
            raise UserError("parse.duplicate_option", option=key)
        options[key] = value
    return Args(positional, options)


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
    value = re.sub(r"\s+", "", _prepare(s))
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
        raise UserError("parse.bad_date", value=_shown(normalize(s).strip()))
    if weekday is not None and result.weekday() != weekday:
        raise UserError(
            "parse.weekday_mismatch",
            value=_shown(value),
            weekday_ja=WEEKDAYS_JA[result.weekday()],
            weekday_en=_WEEKDAY_NAMES_EN[result.weekday()],
        )
    return result


def _date_from_match(form: str, m: re.Match[str], today: date, original: str) -> date:
    month, day = int(m.group("m")), int(m.group("d"))
    shown = _shown(normalize(original).strip())
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
    value = _prepare(s)
    return _time(re.sub(r"\s+", "", value), value)


def _time(value: str, shown: str) -> time:
    m = _TIME.fullmatch(value)
    if m is None:
        raise UserError("parse.bad_time", value=_shown(shown))
    hour = int(m.group("h"))
    minute = 30 if m.group("half") else int(m.group("m") or m.group("m2") or 0)
    marker = (m.group("ampm") or m.group("suffix") or "").lower().replace(".", "")
    if marker:
        if marker in ("午前", "am") and hour == 12:
            hour = 0
        elif marker in ("午後", "pm") and hour < 12:
            hour += 12
        elif hour > 12:
            raise UserError("parse.bad_time", value=_shown(shown))
    if hour > 23 or minute > 59:
        raise UserError("parse.bad_time", value=_shown(shown))
    return time(hour, minute)


def parse_time_range(s: str) -> tuple[time, time]:
    """A start and end time: ``11:00-12:00``, ``11時-12時``, ``11:00〜12:00``, ``9:30-10`` ….

    Raises:
        UserError: ``parse.bad_time_range``, ``parse.bad_time``, ``parse.time_range_order``.
    """
    value = _prepare(s)
    compact = re.sub(r"\s+", "", value).removesuffix("まで")
    parts = _RANGE_SEPARATOR.split(compact)
    if len(parts) != 2 or not all(parts):
        raise UserError("parse.bad_time_range", value=_shown(value))
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
    value = re.sub(r"\s+", "", _prepare(s))
    m = _OFFSET.fullmatch(value)
    if m is None:
        raise UserError("parse.bad_offset", value=_shown(value))
    unit = _OFFSET_UNITS[m.group("unit").lower()]
    digits = m.group("n").lstrip("0")
    if not digits or m.group("sign") == "-":
        raise UserError("parse.offset_not_positive", value=_shown(value))
    if len(digits) > 9 or int(digits) * _MINUTES_PER[unit] > MAX_OFFSET_DAYS * 1440:
        raise UserError("parse.offset_too_large", value=_shown(value), limit=MAX_OFFSET_DAYS)
    return Offset(int(digits), unit)


def parse_offsets(s: str) -> list[Offset]:
    """A comma-separated list of offsets (``1bd,1h``, ``1bd、1h``).

    ``none``, ``なし`` and the empty string give no offsets, so ``",".join(map(str, offsets))``
    always reads back. Duplicates are dropped; the order is kept.
    """
    value = _prepare(s)
    if not value or value.lower() in _NO_OFFSETS:
        return []
    result: list[Offset] = []
    for part in re.split(r"[,、]", value):
        offset = parse_offset(part)
        if offset not in result:
            result.append(offset)
    return result


# --- references --------------------------------------------------------------------------------

_KINDS: dict[str, Kind] = {
    "confirm": "confirm",
    "確認": "confirm",
    "確認事項": "confirm",
    "proposal": "proposal",
    "議案": "proposal",
    "report": "report",
    "報告": "report",
    "報告事項": "report",
}
_REF_LETTERS: dict[str, RefKind] = {"m": "meeting", "a": "item", "d": "decision"}
_REF_WORDS: dict[str, RefKind] = {
    "next": "next",
    "次回": "next",
    "last": "last",
    "previous": "last",
    "前回": "last",
}
_REF_ID = re.compile(r"#?(?P<letter>[MADmad])(?P<n>\d{1,9})")
_REF_IN_MEETING = re.compile(
    r"(?P<kind>[a-zA-Z]+|確認事項|確認|議案|報告事項|報告)(?:(?P<n>\d{1,9})|\((?P<p>\d{1,9})\))"
)


@dataclass(frozen=True)
class Ref:
    """What a user points at: ``M12``, ``A34``, ``D5``, ``next``/``last``, or ``議案2``."""

    kind: RefKind
    number: int | None = None
    item_kind: Kind | None = None

    def __str__(self) -> str:
        if self.kind in ("next", "last"):
            return self.kind
        if self.kind == "item_in_meeting":
            return f"{self.item_kind}{self.number}"
        letter = {"meeting": "M", "item": "A", "decision": "D"}[self.kind]
        return f"{letter}{self.number}"


def parse_ref(s: str) -> Ref:
    """A reference to a meeting, agenda item or decision.

    Raises:
        UserError: ``parse.bad_ref``.
    """
    raw = _prepare(s)
    value = re.sub(r"\s+", "", raw)
    if value.lower() in _REF_WORDS:
        return Ref(_REF_WORDS[value.lower()])
    m = _REF_ID.fullmatch(value)
    if m is not None and int(m.group("n")) > 0:
        return Ref(_REF_LETTERS[m.group("letter").lower()], int(m.group("n")))
    m = _REF_IN_MEETING.fullmatch(value)
    if m is not None:
        item_kind = _KINDS.get(m.group("kind").lower())
        number = int(m.group("n") or m.group("p"))
        if item_kind is not None and number > 0:
            return Ref("item_in_meeting", number, item_kind)
    raise UserError("parse.bad_ref", value=_shown(raw))


def looks_like_ref(s: str) -> bool:
    """Whether ``s`` reads as a reference (so a command can tell it from a title)."""
    try:
        parse_ref(s)
    except UserError:
        return False
    return True


# --- vocabulary --------------------------------------------------------------------------------


def _lookup(table: Mapping[str, _T], s: str, key: str) -> _T:
    raw = _prepare(s)
    found = table.get(re.sub(r"[\s-]+", "_", raw.lower()))
    if found is None:
        raise UserError(key, value=_shown(raw))
    return found


def parse_kind(s: str) -> Kind:
    """``confirm``/``確認事項``, ``proposal``/``議案``, ``report``/``報告事項``."""
    return _lookup(_KINDS, s, "parse.bad_kind")


_OUTCOMES: dict[str, Outcome] = {
    **dict.fromkeys(("approved", "approve", "承認", "可決", "原案承認"), "approved"),
    **dict.fromkeys(("amended", "amend", "修正承認", "修正可決"), "amended"),
    **dict.fromkeys(("rejected", "reject", "否決", "不承認"), "rejected"),
    **dict.fromkeys(("reexamine", "re_examine", "再検討"), "reexamine"),
    **dict.fromkeys(("deferred", "defer", "継続審議", "継続"), "deferred"),
    **dict.fromkeys(("noted", "note", "了承"), "noted"),
}


def parse_outcome(s: str) -> Outcome:
    """``approved`` 承認, ``amended`` 修正承認, ``rejected`` 否決, ``reexamine`` 再検討,
    ``deferred`` 継続審議, ``noted`` 了承."""
    return _lookup(_OUTCOMES, s, "parse.bad_outcome")


_DISCLOSURES: dict[str, Disclosure] = {
    **dict.fromkeys(("public", "open", "公開"), "public"),
    **dict.fromkeys(("closed", "private", "非公開"), "closed"),
    **dict.fromkeys(("partial", "partially_closed", "一部非公開", "一部公開"), "partial"),
}


def parse_disclosure(s: str) -> Disclosure:
    """``public`` 公開, ``closed`` 非公開, ``partial`` 一部非公開."""
    return _lookup(_DISCLOSURES, s, "parse.bad_disclosure")


_YES_NO: dict[str, bool] = {
    **dict.fromkeys(("yes", "y", "true", "1", "on", "はい", "する", "あり"), True),
    **dict.fromkeys(("no", "n", "false", "0", "off", "いいえ", "しない", "なし"), False),
}


def parse_yes_no(s: str) -> bool:
    """``yes``/``no``, ``true``/``false``, ``1``/``0``, ``on``/``off``, ``はい``/``いいえ``."""
    return _lookup(_YES_NO, s, "parse.bad_yes_no")


_ROLES: dict[str, Role] = {
    **dict.fromkeys(("chair", "本部長", "委員長", "議長", "会長", "部会長"), "chair"),
    **dict.fromkeys(
        ("vice_chair", "vicechair", "副本部長", "副委員長", "副議長", "副会長"), "vice_chair"
    ),
    **dict.fromkeys(("member", "部員", "委員", "構成員"), "member"),
    **dict.fromkeys(("secretariat", "事務局"), "secretariat"),
}


def parse_role(s: str) -> Role:
    """``chair`` 本部長/委員長/議長, ``vice_chair`` 副本部長/副委員長, ``member`` 部員/委員,
    ``secretariat`` 事務局."""
    return _lookup(_ROLES, s, "parse.bad_role")


_MENTION = re.compile(r"<@(?P<id>[UW][A-Z0-9]+)(?:\|[^<>]*)?>")


def parse_user_mention(s: str) -> str:
    """The user id of a Slack mention ``<@U123ABC>`` or ``<@U123ABC|name>``.

    Raises:
        UserError: ``parse.bad_mention``.
    """
    value = _prepare(s)
    m = _MENTION.fullmatch(value)
    if m is None:
        raise UserError("parse.bad_mention", value=_shown(value))
    return m.group("id")
