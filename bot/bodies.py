"""Bodies (会議体) and their rosters: set-up, members, configuration, and finding them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.audit import record
from bot.dates import parse_offset, parse_offsets
from bot.errors import NotFound, UserError
from bot.permissions import Actor, require_secretariat
from bot.vocabulary import parse_disclosure
from storage.models import Body, RosterEntry

if TYPE_CHECKING:
    from bot.reminders.timing import ReminderPolicy

ROLE_ORDER = {"chair": 0, "vice_chair": 1, "member": 2, "secretariat": 3}
CONFIG_KEYS = (
    "agenda_deadline",
    "materials_deadline",
    "reminders",
    "disclosure",
    "reason",
    "minutes_disclosure",
    "minutes_reason",
    "template",
    "place",
    "secretariat",
)


@dataclass(frozen=True)
class BodyView:
    id: int
    name: str
    parent_id: int | None
    parent_name: str | None
    secretariat_dept: str | None
    channel_id: str
    default_place: str | None
    disclosure: str
    disclosure_reason: str | None
    minutes_disclosure: str | None
    minutes_disclosure_reason: str | None
    agenda_deadline: str
    materials_deadline: str
    reminders: str
    template: str | None
    created_by: str


@dataclass(frozen=True)
class MemberView:
    user_id: str
    role: str
    title: str | None


def body_view(body: Body) -> BodyView:
    """The frozen view of ``body`` that services hand out."""
    return BodyView(
        id=body.id,
        name=body.name,
        parent_id=body.parent_id,
        parent_name=body.parent.name if body.parent else None,
        secretariat_dept=body.secretariat_dept,
        channel_id=body.channel_id,
        default_place=body.default_place,
        disclosure=body.disclosure,
        disclosure_reason=body.disclosure_reason,
        minutes_disclosure=body.minutes_disclosure,
        minutes_disclosure_reason=body.minutes_disclosure_reason,
        agenda_deadline=body.agenda_deadline,
        materials_deadline=body.materials_deadline,
        reminders=body.reminders,
        template=body.template,
        created_by=body.created_by,
    )


def find_body(session: Session, name: str) -> Body:
    """The body called ``name`` (NFKC-normalised input, exact match)."""
    body = session.scalar(select(Body).where(Body.name == name.strip()))
    if body is None:
        known = session.scalars(select(Body.name).order_by(Body.id).limit(10)).all()
        raise NotFound("body.not_found", name=name, known="、".join(known) or "-")
    return body


def body_for_channel(session: Session, channel_id: str, name: str | None = None) -> Body:
    """The body a command in ``channel_id`` works on: ``body=`` if given, else the channel's.

    A channel's body is the first body set up with it as home channel.
    """
    if name:
        return find_body(session, name)
    body = session.scalar(
        select(Body).where(Body.channel_id == channel_id).order_by(Body.id).limit(1)
    )
    if body is None:
        raise NotFound("body.none_in_channel")
    return body


def setup_body(
    session: Session,
    *,
    name: str,
    channel_id: str,
    actor: Actor,
    now: datetime,
    parent: str | None = None,
    secretariat: str | None = None,
    place: str | None = None,
) -> BodyView:
    """Create a body with ``actor`` as its first secretariat member.

    Setting up a PT under a parent needs the parent's secretariat (or an admin).
    """
    name = name.strip()
    if not name or len(name) > 200:
        raise UserError("body.bad_name", usage="usage.meeting.setup")
    if session.scalar(select(func.count()).where(Body.name == name)):
        raise UserError("body.exists", name=name)
    parent_body = find_body(session, parent) if parent else None
    if parent_body is not None:
        require_secretariat(session, parent_body, actor, action="setup")
    body = Body(
        name=name,
        parent=parent_body,
        secretariat_dept=secretariat,
        channel_id=channel_id,
        default_place=place,
        disclosure=parent_body.disclosure if parent_body else "public",
        disclosure_reason=parent_body.disclosure_reason if parent_body else None,
        created_by=actor.user_id,
        created_at=now,
    )
    session.add(body)
    session.flush()
    session.add(RosterEntry(body_id=body.id, user_id=actor.user_id, role="secretariat"))
    record(session, now, actor.user_id, "body.setup", body.id, "body", body.id, name)
    return body_view(body)


def set_member(
    session: Session,
    body: Body,
    *,
    user_id: str,
    role: str,
    title: str | None,
    actor: Actor,
    now: datetime,
) -> MemberView:
    """Add ``user_id`` to the roster or change their role and title."""
    require_secretariat(session, body, actor, action="member")
    entry = session.scalar(
        select(RosterEntry).where(RosterEntry.body_id == body.id, RosterEntry.user_id == user_id)
    )
    if entry is None:
        position = session.scalar(select(func.count()).where(RosterEntry.body_id == body.id))
        entry = RosterEntry(body_id=body.id, user_id=user_id, role=role, position=position or 0)
        session.add(entry)
    entry.role = role
    if title is not None:
        entry.title = title
    record(
        session, now, actor.user_id, "body.member", body.id, "body", body.id, f"{user_id}:{role}"
    )
    return MemberView(user_id=entry.user_id, role=entry.role, title=entry.title)


def roster(session: Session, body: Body) -> list[MemberView]:
    """The body's members, chair first, then vice chair, members, secretariat."""
    entries = session.scalars(
        select(RosterEntry).where(RosterEntry.body_id == body.id).order_by(RosterEntry.position)
    ).all()
    ordered = sorted(entries, key=lambda e: (ROLE_ORDER.get(e.role, 9), e.position, e.id))
    return [MemberView(user_id=e.user_id, role=e.role, title=e.title) for e in ordered]


def configure(
    session: Session,
    body: Body,
    options: dict[str, str],
    *,
    actor: Actor,
    now: datetime,
    templates_dir: Path | None = None,
    reminders: ReminderPolicy | None = None,
) -> BodyView:
    """Change the body's settings; every value is checked before any is written.

    Args:
        templates_dir: the operator's template folder; ``template=`` must name a template
            found there or among the built-in ones.
        reminders: the bot's reminder policy; given, upcoming meetings' reminders follow new
            deadlines and offsets at once.
    """
    require_secretariat(session, body, actor, action="config")
    changes: dict[str, object] = {}
    for key, value in options.items():
        if key in ("agenda_deadline", "materials_deadline"):
            changes[key] = str(parse_offset(value))
        elif key == "reminders":
            changes[key] = ",".join(str(o) for o in parse_offsets(value))
        elif key == "disclosure":
            changes["disclosure"] = parse_disclosure(value)
        elif key == "minutes_disclosure":
            changes["minutes_disclosure"] = parse_disclosure(value)
        elif key == "reason":
            changes["disclosure_reason"] = value
        elif key == "minutes_reason":
            changes["minutes_disclosure_reason"] = value
        elif key == "template":
            changes["template"] = _template_name(value, templates_dir)
        elif key == "place":
            changes["default_place"] = value
        elif key == "secretariat":
            changes["secretariat_dept"] = value
    for attr, new_value in changes.items():
        setattr(body, attr, new_value)
    record(session, now, actor.user_id, "body.config", body.id, "body", body.id, repr(options))
    if reminders is not None:
        from bot.reminders.planning import replan_body  # planning reads bodies' settings

        replan_body(session, body, reminders, now)
    return body_view(body)


def _template_name(value: str, templates_dir: Path | None) -> str:
    from bot.minutes.render import available_templates, check_template_name  # minutes → bodies

    name = check_template_name(value.strip())
    known = available_templates(templates_dir)
    if name not in known:
        raise UserError("minutes.unknown_template", name=name, known=", ".join(known))
    return name


def descendant_ids(session: Session, body: Body) -> list[int]:
    """``body`` and every body under it, at any depth."""
    ids = [body.id]
    frontier = [body.id]
    while frontier:
        children = session.scalars(select(Body.id).where(Body.parent_id.in_(frontier))).all()
        frontier = [c for c in children if c not in ids]
        ids.extend(frontier)
    return ids
