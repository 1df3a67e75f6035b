"""iCalendar (.ics) files for meetings, built with the icalendar library."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot.meetings import MeetingView


def meeting_ics(
    meeting: MeetingView, *, title: str, tz: ZoneInfo, now: datetime, sequence: int = 0
) -> bytes:
    """A one-event calendar for ``meeting`` in local time (TZID of ``tz``).

    A cancelled meeting gives METHOD:CANCEL with the same UID, so calendars that imported the
    announcement drop the event.
    """
    cal = Calendar()
    cal.add("prodid", "-//secretariat-bot//EN")
    cal.add("version", "2.0")
    cancelled = meeting.status == "cancelled"
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@secretariat-bot")
    event.add("summary", title)
    event.add("dtstart", meeting.starts_at.astimezone(tz))
    event.add("dtend", meeting.ends_at.astimezone(tz))
    event.add("dtstamp", now)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if meeting.place:
        event.add("location", meeting.place)
    cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
