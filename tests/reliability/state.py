"""A populated workspace to attack, and the checks that nothing was half-written."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import (
    AgendaItem,
    Attendance,
    AuditEntry,
    Body,
    Decision,
    Material,
    Meeting,
    MinutesDraft,
    Note,
    Reminder,
    RosterEntry,
)
from tests.harness import C_MAIN, C_PT, U_CHAIR, U_MEMBER, U_SEC
from tests.reliability.live import LiveBot
from tests.reliability.surfaces import C_DM, has_surface

TABLES = {
    "bodies": Body,
    "roster": RosterEntry,
    "meetings": Meeting,
    "attendance": Attendance,
    "agenda_items": AgendaItem,
    "materials": Material,
    "notes": Note,
    "decisions": Decision,
    "reminders": Reminder,
    "minutes_drafts": MinutesDraft,
    "audit": AuditEntry,
}

# Creation actions in the audit trail and the table whose row each one creates.
CREATED_BY = {
    "body.setup": Body,
    "meeting.schedule": Meeting,
    "agenda.submit": AgendaItem,
    "materials.add": Material,
    "minutes.note": Note,
    "decision.record": Decision,
}


def counts(session: Session) -> dict[str, int]:
    """Rows per table."""
    return {
        name: int(session.scalar(select(func.count()).select_from(model)) or 0)
        for name, model in TABLES.items()
    }


def half_written(session: Session) -> list[str]:
    """Every sign of a record written without the rest of its unit of work.

    A record and its audit entry are written in one transaction, so a row without its
    creation entry, or an entry without its row, means a unit of work was cut in two.
    """
    problems: list[str] = []
    entries = session.execute(select(AuditEntry.action, AuditEntry.object_id, AuditEntry.detail))
    audited: dict[type, Counter[int | None]] = {model: Counter() for model in CREATED_BY.values()}
    for action, object_id, detail in entries:
        model = CREATED_BY.get(action)
        if model is not None:
            audited[model][object_id] += 1
        if action == "agenda.carry" and detail and detail.startswith("A"):
            audited[AgendaItem][int(detail[1:])] += 1
    for model, seen in audited.items():
        ids = set(session.scalars(select(model.id)))  # type: ignore[attr-defined]
        if model is Material:
            # Materials copied with a carried item are recorded by the carry.
            ids -= set(
                session.scalars(
                    select(Material.id)
                    .join(AgendaItem, Material.agenda_item_id == AgendaItem.id)
                    .where(AgendaItem.carried_from_id.is_not(None))
                )
            )
        name = model.__tablename__  # type: ignore[attr-defined]
        problems += [f"{name} {i} has no creation entry" for i in sorted(ids - set(seen))]
        problems += [
            f"{name} {i} audited but missing" for i in sorted(set(seen) - ids) if i is not None
        ]
        problems += [f"{name} {i} audited {n} times" for i, n in seen.items() if n > 1]
        if None in seen:
            problems.append(f"{name}: a creation entry without an object id")
    orphans = {
        "agenda item without meeting": select(AgendaItem.id).where(
            AgendaItem.meeting_id.not_in(select(Meeting.id))
        ),
        "material without item": select(Material.id).where(
            Material.agenda_item_id.not_in(select(AgendaItem.id))
        ),
        "note without item": select(Note.id).where(
            Note.agenda_item_id.not_in(select(AgendaItem.id))
        ),
        "decision without item": select(Decision.id).where(
            Decision.agenda_item_id.not_in(select(AgendaItem.id))
        ),
        "meeting without body": select(Meeting.id).where(Meeting.body_id.not_in(select(Body.id))),
        "body without secretariat": select(Body.id).where(
            Body.id.not_in(select(RosterEntry.body_id).where(RosterEntry.role == "secretariat"))
        ),
    }
    for label, query in orphans.items():
        problems += [f"{label}: {i}" for i in session.scalars(query)]
    return problems


def seed(live: LiveBot) -> dict[str, int]:
    """Two bodies, a roster, two meetings and, where the features exist, items and materials.

    Returns the ids the tests refer to (meeting, items).
    """
    live.slack.add_channel(C_DM, "", "im", user=U_MEMBER)
    live.setup_body()
    for text in (f"member <@{U_CHAIR}> chair title=本部長", f"member <@{U_MEMBER}> member"):
        assert live.command("/meeting", text).status == 200
    live.command("/meeting", "setup システム標準化PT parent=行政情報化推進本部", channel=C_PT)
    ids = {"M1": _meeting(live, "2027-06-24"), "M2": _meeting(live, "2027-07-15")}
    if has_surface("handlers.agenda"):
        live.command("/agenda", "add 議案 電話システムの更新 presenter=情報管理課", user=U_MEMBER)
        live.command("/agenda", "add 報告 庁内ネットワークの状況", user=U_SEC)
    if has_surface("handlers.materials"):
        live.command("/materials", "add 議案1 電話システム更新計画（案）", user=U_MEMBER)
    live.settle()
    return ids


def _meeting(live: LiveBot, day: str) -> int:

    answer = live.command("/meeting", f"schedule {day} 11:00-12:00", channel=C_MAIN)
    found = re.search(r"M(\d+)", answer.text)
    assert found, answer.text
    return int(found.group(1))
