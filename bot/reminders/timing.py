"""When reminders go out: business hours, business days, and the fixed leads of each kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.calendar import BusinessCalendar, Offset

if TYPE_CHECKING:
    from bot.deps import Deps

# The call for agenda items goes out this long before the agenda deadline.
AGENDA_CALL_LEAD = Offset(2, "bd")
# Presenters without materials hear from the bot this long before the materials deadline.
MATERIALS_LEAD = Offset(1, "bd")
# "One business day before: the agenda with its materials list" (PRODUCT.md).
AGENDA_PREVIEW_LEAD = Offset(1, "bd")
# A decision's owner is reminded this many business days before its due date.
DECISION_LEAD_BUSINESS_DAYS = 3
# An overdue decision is noted again every week until it is closed.
OVERDUE_REPEAT = timedelta(days=7)


@dataclass(frozen=True)
class ReminderPolicy:
    """The calendar and hours reminders follow.

    Args:
        calendar: which days are business days.
        tz: the secretariat's time zone (SECRETARIAT_TZ).
        work_hours: ``(start, end)`` hours; reminders to people go out only inside them.
    """

    calendar: BusinessCalendar
    tz: ZoneInfo
    work_hours: tuple[int, int] = (9, 18)

    @classmethod
    def of(cls, deps: Deps) -> ReminderPolicy:
        """The policy of a running bot: its calendar, time zone and work hours."""
        return cls(deps.calendar, deps.config.tz, deps.config.work_hours)

    @classmethod
    def default(cls, tz: ZoneInfo | None = None) -> ReminderPolicy:
        """The defaults of the configuration: Japanese public holidays and 12/29–1/3 closed,
        9–18, Asia/Tokyo unless ``tz`` is given."""
        return cls(_default_calendar(), tz or ZoneInfo("Asia/Tokyo"))

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def work_start(self, day: date) -> datetime:
        """The start of business hours on ``day``."""
        return datetime.combine(day, time(self.work_hours[0]), tzinfo=self.tz)

    def in_work_hours(self, moment: datetime) -> bool:
        """Whether ``moment`` falls in business hours on a business day."""
        local = moment.astimezone(self.tz)
        start, end = self.work_hours
        return self.calendar.is_business_day(local.date()) and start <= local.hour < end

    def next_work_moment(self, moment: datetime) -> datetime:
        """``moment`` itself in business hours; else the start of the next business hours."""
        if self.in_work_hours(moment):
            return moment
        local = moment.astimezone(self.tz)
        day = local.date()
        if self.calendar.is_business_day(day) and local.hour < self.work_hours[0]:
            return self.work_start(day)
        return self.work_start(self.calendar.next_business_day(day))

    def business_day_start_before(self, moment: datetime, lead: Offset) -> datetime:
        """The start of business hours on the business day ``lead`` before ``moment``'s day."""
        day = lead.before(moment, self.calendar, self.tz).astimezone(self.tz).date()
        return self.work_start(self.calendar.previous_business_day(day, include_today=True))


_CALENDAR: BusinessCalendar | None = None


def _default_calendar() -> BusinessCalendar:
    # One shared instance: it caches each year's holidays.
    global _CALENDAR
    if _CALENDAR is None:
        _CALENDAR = BusinessCalendar()
    return _CALENDAR
