"""Shared set-up for the reminder tests: a body, meetings, items, decisions, made through the
services (so the reminders are planned by the same hooks as in production)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import select

from bot.bodies import setup_body
from bot.decisions import close_decision, record_decision
from bot.deps import Deps
from bot.localslack import LocalSlack
from bot.meetings import Schedule, get_meeting, schedule_meeting
from bot.permissions import Actor
from bot.reminders.dispatcher import DispatchReport, DispatchSettings, dispatch_due
from bot.reminders.planning import meeting_basis
from bot.reminders.timing import ReminderPolicy
from storage.models import AgendaItem, Body, Material, Reminder

TOKYO = ZoneInfo("Asia/Tokyo")
SEC = Actor("U0SEC")
MEMBER = "U0MEMBER"
CHAIR = "U0CHAIR"
MAIN = "C0MAIN"
BODY = "行政情報化推進本部"

# Retries come quickly in tests; the lease is long enough never to expire by accident.
FAST = DispatchSettings(
    batch_size=20,
    lease=timedelta(minutes=2),
    backoff_base=0.0,
    backoff_max=0.0,
    max_attempts=60,
)


def jst(text: str) -> datetime:
    """``"2027-06-24 11:00"`` in Tokyo."""
    return datetime.fromisoformat(text).replace(tzinfo=TOKYO)


def body_id(deps: Deps, channel: str = MAIN) -> int:
    with deps.unit_of_work() as s:
        found = s.scalar(select(Body.id).where(Body.name == BODY))
        if found is not None:
            return found
        setup_body(
            s,
            name=BODY,
            channel_id=channel,
            actor=SEC,
            now=deps.clock.now(),
            secretariat="情報管理課",
            place="庁議室",
        )
        return int(s.scalars(select(Body.id).where(Body.name == BODY)).one())


def schedule(deps: Deps, day: str, start: str = "11:00", end: str = "12:00") -> int:
    """Schedule a meeting of the test body (reminders planned by the meeting service)."""
    bid = body_id(deps)
    with deps.unit_of_work() as s:
        body = s.get(Body, bid)
        assert body is not None
        view = schedule_meeting(
            s,
            body,
            Schedule(date.fromisoformat(day), time.fromisoformat(start), time.fromisoformat(end)),
            actor=SEC,
            now=deps.clock.now(),
            tz=deps.config.tz,
            fy_start_month=4,
            reminders=ReminderPolicy.of(deps),
        )
        return view.id


def add_item(
    deps: Deps,
    meeting_id: int,
    title: str,
    *,
    kind: str = "proposal",
    submitter: str = MEMBER,
    presenter: str | None = None,
    private: bool = False,
) -> int:
    with deps.unit_of_work() as s:
        meeting = get_meeting(s, meeting_id)
        number = 1 + len(
            s.scalars(
                select(AgendaItem.id).where(
                    AgendaItem.meeting_id == meeting_id, AgendaItem.kind == kind
                )
            ).all()
        )
        item = AgendaItem(
            meeting=meeting,
            kind=kind,
            number=number,
            title=title,
            presenter=presenter,
            submitter_id=submitter,
            status="submitted",
            private=private,
            created_at=deps.clock.now(),
        )
        s.add(item)
        s.flush()
        return item.id


def add_material(deps: Deps, item_id: int, title: str, *, reference: bool = False) -> None:
    with deps.unit_of_work() as s:
        s.add(
            Material(
                agenda_item_id=item_id,
                title=title,
                url="https://example.jp/doc.pdf",
                reference=reference,
                added_by=MEMBER,
                created_at=deps.clock.now(),
            )
        )


def decide(
    deps: Deps,
    item_id: int,
    due: str | None,
    *,
    outcome: str = "approved",
    owner: str | None = MEMBER,
    dept: str | None = None,
    text: str | None = None,
) -> int:
    """Record a decision through the decision service (which plans its reminders)."""
    with deps.unit_of_work() as s:
        item = s.get(AgendaItem, item_id)
        assert item is not None
        now = deps.clock.now()
        view = record_decision(
            s,
            item,
            outcome,  # type: ignore[arg-type]
            actor=SEC,
            now=now,
            today=now.astimezone(TOKYO).date(),
            text=text,
            owner_user_id=owner,
            owner_dept=dept,
            due=date.fromisoformat(due) if due else None,
            reminders=ReminderPolicy.of(deps),
        )
        return view.id


def close(deps: Deps, decision_id: int, user: str = MEMBER) -> None:
    with deps.unit_of_work() as s:
        close_decision(s, decision_id, "done", actor=Actor(user), now=deps.clock.now())


def reminders(deps: Deps) -> dict[str, Reminder]:
    """Every reminder row by key."""
    with deps.unit_of_work() as s:
        return {r.key: r for r in s.scalars(select(Reminder).order_by(Reminder.id)).all()}


def open_due_times(deps: Deps) -> dict[str, datetime]:
    """Pending reminders' due times, in Tokyo."""
    return {
        k: r.due_at.astimezone(TOKYO) for k, r in reminders(deps).items() if r.state == "pending"
    }


def fast_client(slack: LocalSlack) -> WebClient:
    """The production kind of client (slack_sdk retry handlers) with short waits.

    slack_sdk's RateLimitErrorRetryHandler sleeps Retry-After plus up to a second of jitter;
    here a 429 goes straight back to the dispatcher, whose requeue honours Retry-After.
    """
    quick = FixedValueRetryIntervalCalculator(0.01)
    return slack.client(
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1, interval_calculator=quick),
            ServerErrorRetryHandler(max_retry_count=1, interval_calculator=quick),
        ]
    )


def dispatch_at(deps: Deps, client: WebClient, when: datetime) -> DispatchReport:
    """Move the clock to ``when`` and run one dispatcher pass."""
    deps.clock.set(when)  # type: ignore[attr-defined]
    return dispatch_due(deps, client, FAST)


def keys_posted(slack: LocalSlack) -> list[str]:
    """The reminder key of every message delivered, in posting order."""
    return [
        str((m.metadata or {}).get("event_payload", {}).get("key"))
        for m in slack.messages()
        if (m.metadata or {}).get("event_type") == "secretariat_reminder"
    ]


def insert_due(
    deps: Deps,
    meeting_id: int,
    count: int,
    *,
    kind: str = "agenda_preview",
    prefix: str = "n",
    channels: Sequence[str] = (MAIN,),
) -> list[str]:
    """``count`` reminders of ``meeting_id`` due now, written straight into the table, to
    ``channels`` in turn."""
    from sqlalchemy import insert

    now = deps.clock.now()
    with deps.unit_of_work() as s:
        meeting = get_meeting(s, meeting_id)
        basis = meeting_basis(meeting)
        keys = [f"meeting:{meeting_id}:{prefix}{i}" for i in range(count)]
        s.execute(
            insert(Reminder),
            [
                {
                    "key": key,
                    "kind": kind,
                    "target": channels[i % len(channels)],
                    "due_at": now,
                    "next_attempt_at": now,
                    "state": "pending",
                    "meeting_id": meeting_id,
                    "payload": {"basis": basis},
                    "attempts": 0,
                    "in_doubt": False,
                    "created_at": now,
                }
                for i, key in enumerate(keys)
            ],
        )
    return keys
