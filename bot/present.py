"""How a meeting is named and dated in messages, in the body's language and time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.calendar import fiscal_year_label, format_date, format_time, format_time_range
from bot.i18n import t
from bot.meetings import MeetingView


def meeting_title(meeting: MeetingView, lang: str) -> str:
    """令和9年度 第1回行政情報化推進本部 / FY2027 No. 1 行政情報化推進本部."""
    fy = fiscal_year_label(meeting.fiscal_year, lang)
    if meeting.number is None:
        return t(lang, "meeting.title_cancelled", fy=fy, body=meeting.body_name)
    return t(lang, "meeting.title", fy=fy, number=meeting.number, body=meeting.body_name)


def meeting_when(meeting: MeetingView, lang: str, tz: ZoneInfo) -> str:
    """令和9年6月24日（木）11:00～12:00 / 2027-06-24 (Thu) 11:00–12:00."""
    start = meeting.starts_at.astimezone(tz)
    end = meeting.ends_at.astimezone(tz)
    return f"{format_date(start.date(), lang)} {format_time_range(start.time(), end.time(), lang)}"


def local_date_time(moment: datetime, lang: str, tz: ZoneInfo) -> str:
    """A moment as a local date and time: 令和9年6月17日（木）11:00."""
    local = moment.astimezone(tz)
    return f"{format_date(local.date(), lang)} {format_time(local.time())}"


def disclosure_label(disclosure: str, lang: str) -> str:
    """公開 / 非公開 / 一部非公開 (public / closed / partly closed)."""
    return t(lang, f"disclosure.{disclosure}")


def offset_words(offsets: str, lang: str) -> str:
    """``5bd,1h`` as words: 5開庁日・1時間 / 5 business days, 1 hour."""
    words = []
    for part in (p.strip() for p in offsets.split(",")):
        amount, unit = part.rstrip("bdhm"), part.lstrip("0123456789")
        if not amount.isdigit() or unit not in ("m", "h", "d", "bd"):
            words.append(part)
            continue
        one = "one" if amount == "1" else "many"
        words.append(t(lang, f"offset.{unit}.{one}", n=amount))
    return t(lang, "offset.separator").join(w for w in words if w)
