"""What a due reminder becomes when it is sent: a message rendered from the database as it
is *now* (the agenda and the pending decisions as they are at that moment), work that posts
by itself (the item messages at a meeting's start), or a reason not to send it any more.

A reminder whose moment passed while the bot was down is judged here: a pending-decision
nudge still makes sense and is sent, and so do the item messages of a meeting still in
progress; a notice for a meeting that has started, a call for agenda items after the agenda
deadline, the item messages of a meeting that has ended, or an earlier reminder of a family
whose later one is also due, does not, and is dropped with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot import numbering
from bot.agenda_view import ShownItem, agenda_rows
from bot.calendar import format_date
from bot.i18n import has, t
from bot.itemthreads import post_item_messages
from bot.meetings import meeting_view
from bot.present import local_date_time, meeting_title, meeting_when
from bot.reminders import kinds
from bot.reminders.planning import (
    ReminderSpec,
    decision_is_pending,
    materials_dm_specs,
    meeting_basis,
    overdue_spec,
    secretariat_user,
)
from bot.reminders.preload import Preloaded
from bot.reminders.timing import ReminderPolicy
from bot.render import render_slack
from bot.text import Mrkdwn, user_mention
from storage.models import AgendaItem, Decision, Meeting

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.deps import Deps


@dataclass(frozen=True)
class Due:
    """A claimed reminder, as the dispatcher hands it over (no ORM row leaves a session)."""

    id: int
    key: str
    kind: str
    target: str
    due_at: datetime
    meeting_id: int | None
    decision_id: int | None
    payload: dict[str, Any]
    attempts: int
    in_doubt: bool
    token: str
    # The claim's lease: past it another dispatcher may take the reminder.
    held_until: datetime | None = None


@dataclass(frozen=True)
class Outgoing:
    """Post ``text`` to ``channel``; then plan ``follow_ups`` (the next weekly note)."""

    channel: str
    text: str
    follow_ups: tuple[ReminderSpec, ...] = ()


@dataclass(frozen=True)
class Skip:
    """Do not send it any more, for ``reason``."""

    reason: str


@dataclass(frozen=True)
class FanOut:
    """Instead of a message: these reminders (the materials check makes one DM per item)."""

    specs: tuple[ReminderSpec, ...]


@dataclass(frozen=True)
class Perform:
    """Instead of a message: ``work`` posts by itself (the item messages at a meeting's
    start) and returns how many messages it posted. It must be safe to run again: a
    dispatcher that died during it leaves the reminder to be retaken."""

    work: Callable[[Deps, WebClient], int]


Action = Outgoing | Skip | FanOut | Perform


def prepare(session: Session, due: Due, policy: ReminderPolicy, lang: str, now: datetime) -> Action:
    """Decide what ``due`` becomes now, reading the current state of its meeting/decision."""
    return prepare_all(session, [due], policy, lang, now)[due.id]


def prepare_all(
    session: Session, dues: Sequence[Due], policy: ReminderPolicy, lang: str, now: datetime
) -> dict[int, Action]:
    """:func:`prepare` for several reminders at once (by id), reading what they need in a few
    statements instead of several per reminder (bench: fan-out)."""
    known = Preloaded.of(session, dues)
    actions: dict[int, Action] = {}
    for due in dues:
        superseded = known.superseded_by(due, now)
        if superseded is not None:
            actions[due.id] = Skip(f"superseded by {superseded}, also due")
        elif due.kind in kinds.MEETING_KINDS:
            actions[due.id] = _meeting_reminder(session, due, policy, lang, now, known)
        elif due.kind == kinds.MEETING_START:
            actions[due.id] = _meeting_start(session, due, now)
        elif due.kind in kinds.DECISION_KINDS:
            actions[due.id] = _decision_reminder(session, due, policy, lang, now, known)
        elif due.kind == kinds.FAILURE_REPORT:
            actions[due.id] = Outgoing(due.target, _failure_report(due, lang))
        else:
            actions[due.id] = Skip(f"unknown kind {due.kind}")
    return actions


# --- meetings ----------------------------------------------------------------------------------


def _planned_meeting(session: Session, due: Due) -> Meeting | Skip:
    """The meeting of ``due`` while it is still held as planned, else why not."""
    meeting = session.get(Meeting, due.meeting_id) if due.meeting_id else None
    if meeting is None:
        return Skip("the meeting no longer exists")
    if meeting.status != "scheduled":
        return Skip(f"the meeting is {meeting.status}")
    if due.payload.get("basis") != meeting_basis(meeting):
        return Skip("the meeting was moved; its reminders were planned again")
    return meeting


def _meeting_reminder(
    session: Session, due: Due, policy: ReminderPolicy, lang: str, now: datetime, known: Preloaded
) -> Action:
    meeting = _planned_meeting(session, due)
    if isinstance(meeting, Skip):
        return meeting
    if meeting.actual_start is not None or now >= meeting.starts_at:
        return Skip("the meeting has already started")
    deadline = _moment(due.payload.get("deadline"))
    if due.kind == kinds.MATERIALS_CHECK:
        dm_due = policy.next_work_moment(now)
        specs = materials_dm_specs(
            session, meeting, meeting_basis(meeting), dm_due, due.payload.get("deadline", "")
        )
        return FanOut(tuple(specs))
    if due.kind == kinds.AGENDA_CALL and deadline is not None and now >= deadline:
        return Skip("the agenda deadline has passed")
    context = _meeting_context(session, meeting, policy, lang, known)
    if deadline is not None:
        context["deadline"] = local_date_time(deadline, lang, policy.tz)
    if due.kind == kinds.MATERIALS_DM:
        item = session.get(AgendaItem, int(due.payload.get("item_id", 0)))
        if item is None or item.status not in numbering.NUMBERED_STATUSES:
            return Skip("the agenda item was withdrawn")
        if item.materials:
            return Skip("the agenda item has materials now")
        context.update(item=_item_context(item, {}, lang, public_only=False))
        return Outgoing(due.target, render_slack("reminder_materials", lang, **context))
    name = {
        kinds.AGENDA_CALL: "reminder_agenda_call",
        kinds.AGENDA_PREVIEW: "reminder_agenda_preview",
        kinds.MEETING_OFFSET: "reminder_meeting",
    }[due.kind]
    return Outgoing(due.target, render_slack(name, lang, **context))


def _meeting_start(session: Session, due: Due, now: datetime) -> Action:
    meeting = _planned_meeting(session, due)
    if isinstance(meeting, Skip):
        return meeting
    if meeting.items_posted_at is not None:
        return Skip("the item messages were already posted")
    # Missed while the bot was down: still worth posting while the meeting is on.
    if meeting.actual_end is not None or now >= meeting.ends_at:
        return Skip("the meeting has already ended")
    meeting_id = meeting.id
    return Perform(lambda deps, client: post_item_messages(deps, meeting_id, client))


def _moment(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _meeting_context(
    session: Session, meeting: Meeting, policy: ReminderPolicy, lang: str, known: Preloaded
) -> dict[str, Any]:
    view = meeting_view(session, meeting, number=known.numbers.get(meeting.id))
    has_agenda = meeting.id in known.with_agenda
    # The agenda's one disclosure rule (bot.agenda_view.agenda_rows), which also hides every
    # item of a non-public meeting. No Slack client here to check the channel afresh, so the
    # public version, as for any channel not known to be safe. A meeting without a numbered
    # item has nothing to list (the agenda's reading is skipped).
    items = agenda_rows(session, meeting, lang, public_only=True) if has_agenda else []
    listed = [_shown_context(i, lang) for i in items]
    groups = [
        {"heading": t(lang, f"reminders.kind_heading.{kind}"), "items": of_kind}
        for kind in numbering.KIND_ORDER
        if (of_kind := [c for c, i in zip(listed, items, strict=True) if i.kind == kind])
    ]
    return {
        "title": meeting_title(view, lang),
        "when": meeting_when(view, lang, policy.tz),
        "place": view.place,
        "ref": view.ref,
        "groups": groups,
        "items": listed,
    }


def _shown_context(item: ShownItem, lang: str) -> dict[str, Any]:
    number = item.number if item.number is not None else ""
    return {
        "ref": item.ref,
        "label": f"{t(lang, f'reminders.kind.{item.kind}')}{number}",
        "title": item.title,
        "presenter": item.presenter,
        "materials": [
            {"label": m.label, "title": m.title, "reference": m.reference} for m in item.materials
        ],
    }


def _item_context(
    item: AgendaItem, codes: dict[int, str], lang: str, *, public_only: bool
) -> dict[str, Any]:
    hidden = t(lang, "reminders.non_public")
    number = item.number if item.number is not None else ""
    materials = [
        {
            "label": numbering.format_label(m.label or codes.get(m.id), lang),
            "title": hidden if public_only and (m.private or item.private) else m.title,
            "reference": m.reference,
        }
        for m in sorted(
            item.materials, key=lambda m: numbering.label_sort_key(m.label or codes.get(m.id))
        )
    ]
    return {
        "ref": f"A{item.id}",
        "label": f"{t(lang, f'reminders.kind.{item.kind}')}{number}",
        "title": hidden if public_only and item.private else item.title,
        "presenter": item.presenter,
        "materials": materials,
    }


# --- decisions ---------------------------------------------------------------------------------


def _decision_reminder(
    session: Session, due: Due, policy: ReminderPolicy, lang: str, now: datetime, known: Preloaded
) -> Action:
    decision = session.get(Decision, due.decision_id) if due.decision_id else None
    if decision is None:
        return Skip("the decision no longer exists")
    if not decision_is_pending(decision):
        return Skip("the decision is closed or superseded")
    assert decision.due_date is not None
    if due.payload.get("basis") != decision.due_date.isoformat():
        return Skip("the due date changed; its reminders were planned again")
    today = policy.local_date(now)
    context = _decision_context(session, decision, policy, lang, today, known)
    if due.kind != kinds.DECISION_OVERDUE:
        return Outgoing(due.target, render_slack("reminder_decision", lang, **context))
    body = decision.item.meeting.body
    context["secretariat"] = user_mention(secretariat_user(session, body))
    # A channel may be read by anyone in it: a non-public item reads 「（非公開）」 there.
    context["item"] = _item_context(decision.item, {}, lang, public_only=True)
    round_ = int(due.payload.get("round", 0)) + 1
    # The next note, a week on; never today again, even after a long downtime.
    follow_up = overdue_spec(session, decision, policy, now, round_, after_today=True)
    return Outgoing(due.target, render_slack("reminder_overdue", lang, **context), (follow_up,))


def _decision_context(
    session: Session,
    decision: Decision,
    policy: ReminderPolicy,
    lang: str,
    today: date,
    known: Preloaded,
) -> dict[str, Any]:
    assert decision.due_date is not None
    item, due = decision.item, decision.due_date
    meeting = meeting_view(session, item.meeting, number=known.numbers.get(item.meeting_id))
    if today < due:
        left = policy.calendar.business_days_between(today, due)
        status = t(lang, "reminders.due_in", days=left)
    elif today == due:
        status = t(lang, "reminders.due_today")
    else:
        status = t(lang, "reminders.overdue_by", days=(today - due).days)
    owner: str = (
        user_mention(decision.owner_user_id)
        if decision.owner_user_id
        else decision.owner_dept or t(lang, "reminders.owner_secretariat")
    )
    return {
        "ref": f"D{decision.id}",
        "item": _item_context(item, {}, lang, public_only=False),
        "meeting_title": meeting_title(meeting, lang),
        "outcome": t(lang, f"reminders.outcome.{decision.outcome}"),
        "text": decision.text,
        "owner": owner,
        "due": format_date(due, lang),
        "status": status,
        "overdue_days": max((today - due).days, 0),
    }


# --- failures ----------------------------------------------------------------------------------


def _failure_report(due: Due, lang: str) -> str:
    error = str(due.payload.get("error", ""))
    target = str(due.payload.get("failed_target", ""))
    mention = (
        Mrkdwn(f"<#{target}>")
        if target[:1] in ("C", "G") and target.isalnum()
        else user_mention(target)
    )
    hint_key = f"reminders.failure_hint.{error}"
    return render_slack(
        "reminder_failure",
        lang,
        error=error,
        target=mention,
        what=t(lang, f"reminders.what.{due.payload.get('failed_kind', '')}"),
        failed_key=str(due.payload.get("failed_key", "")),
        hint=t(lang, hint_key if has(hint_key) else "reminders.failure_hint.other"),
    )
