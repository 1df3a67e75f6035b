"""What a reminder is: its kind, its unique key, and who it is for."""

from __future__ import annotations

from datetime import date

AGENDA_CALL = "agenda_call"
MATERIALS_CHECK = "materials_check"
MATERIALS_DM = "materials_dm"
AGENDA_PREVIEW = "agenda_preview"
MEETING_OFFSET = "meeting_offset"
DECISION_BEFORE = "decision_before"
DECISION_DUE = "decision_due"
DECISION_OVERDUE = "decision_overdue"
FAILURE_REPORT = "failure_report"
# At the meeting's start time: the agenda items' messages (bot.itemthreads), unless
# ``/meeting start`` posted them first. Not one of MEETING_KINDS, the notices *before* a
# meeting (dropped once it has started): this one is useful until the meeting ends.
MEETING_START = "meeting_start"

MEETING_KINDS = frozenset(
    {AGENDA_CALL, MATERIALS_CHECK, MATERIALS_DM, AGENDA_PREVIEW, MEETING_OFFSET}
)
DECISION_KINDS = frozenset({DECISION_BEFORE, DECISION_DUE, DECISION_OVERDUE})

# Reminders addressed to people wait for business hours on a business day. Notices tied to a
# meeting's own clock time ("starts in 1 hour", the agenda the day before) go out on time.
TO_PEOPLE = frozenset(
    {AGENDA_CALL, MATERIALS_DM, DECISION_BEFORE, DECISION_DUE, DECISION_OVERDUE, FAILURE_REPORT}
)

# Within one family only the latest of several reminders due at once is worth sending: after
# a downtime the owner gets the "due today" DM, not also the "due in 3 days" one, and a
# meeting's "1 hour before" notice, not also its "2 hours before" one. (The agenda the day
# before is not in a family: its materials list is worth having until the meeting starts.)
FAMILIES: tuple[frozenset[str], ...] = (frozenset({MEETING_OFFSET}), DECISION_KINDS)

# Reminder states.
PENDING = "pending"
CLAIMED = "claimed"
SENT = "sent"
FAILED = "failed"
DROPPED = "dropped"
OPEN_STATES = (PENDING, CLAIMED)


def meeting_key(meeting_id: int, what: str) -> str:
    """``meeting:12:agenda_call``, ``meeting:12:offset:1h``, ``meeting:12:materials:34``."""
    return f"meeting:{meeting_id}:{what}"


def decision_key(decision_id: int, what: str, day: date) -> str:
    """``decision:5:due:2027-07-01``, ``decision:5:overdue:2027-07-08``."""
    return f"decision:{decision_id}:{what}:{day.isoformat()}"


def report_key(body_id: int, target: str, error: str) -> str:
    """One report per body, unreachable target and error: the secretariat hears it once."""
    return f"report:{body_id}:{target}:{error}"[:200]
