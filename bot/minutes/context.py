"""What a set of minutes is made of: the meeting, attendance, agenda, notes, decisions and
materials of one meeting, gathered into frozen values the templates render.

The context carries data and the few shared words both formats (.md, .docx) of one language
need (kind names, outcome lines, the 「（非公開）」 marker) from ``bot/locales/minutes.toml``;
the templates decide everything else. The *public version* replaces every non-public item by
「（非公開）」 and leaves out its presenter, summary, notes, decision and materials.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.bodies import MemberView, roster
from bot.calendar import (
    fiscal_year_label,
    format_date,
    format_date_short,
    format_time,
    format_time_range,
)
from bot.decisions import ALWAYS_PENDING, current_decision
from bot.i18n import t
from bot.materials import MaterialView, materials_register
from bot.meetings import MeetingView, attendance, meeting_view
from bot.minutes.values import (
    AgendaGroup,
    AttendeeGroup,
    DecisionLine,
    ItemMinutes,
    MaterialLine,
    MeetingInfo,
    MinutesContext,
    NoteLine,
    Protection,
)
from bot.notes import NoteView, notes_by_item
from bot.numbering import KIND_ORDER, NUMBERED_STATUSES, ordered_items
from bot.present import meeting_title
from storage.models import AgendaItem, Decision, Meeting, SlackUser

DISCLOSURES = ("public", "closed", "partial")
OUTCOMES = ("approved", "amended", "rejected", "reexamine", "deferred", "noted")
_MEMBER_ROLES = ("chair", "vice_chair", "member")


def labels(lang: str) -> dict[str, Any]:
    """The shared words of the minutes in ``lang``."""
    return {
        "kind": {k: t(lang, f"minutes.kind.{k}") for k in KIND_ORDER},
        "kind_short": {k: t(lang, f"minutes.kind_short.{k}") for k in KIND_ORDER},
        "disclosure": {d: t(lang, f"disclosure.{d}") for d in DISCLOSURES},
        "outcome": {o: t(lang, f"minutes.outcome.{o}") for o in OUTCOMES},
        "hidden": t(lang, "minutes.hidden"),
    }


def _live_items(session: Session, meeting_id: int) -> list[AgendaItem]:
    return [
        i
        for i in ordered_items(session, meeting_id)
        if i.status in NUMBERED_STATUSES and i.number is not None
    ]


def protection(session: Session, meeting: Meeting, lang: str) -> Protection:
    """Whether the full draft of ``meeting`` holds non-public content, and why.

    The meeting or its minutes being 非公開 / 一部非公開, or any item or material on the
    agenda marked non-public, each make the full draft non-public.
    """
    reasons: list[str] = []
    if meeting.disclosure != "public":
        value = t(lang, f"disclosure.{meeting.disclosure}")
        reasons.append(t(lang, "minutes.disclosure_meeting", value=value))
    if meeting.minutes_disclosure != "public":
        value = t(lang, f"disclosure.{meeting.minutes_disclosure}")
        reasons.append(t(lang, "minutes.disclosure_minutes", value=value))
    items = _live_items(session, meeting.id)
    if any(i.private or any(m.private for m in i.materials) for i in items):
        reasons.append(t(lang, "minutes.disclosure_items"))
    return Protection(tuple(reasons))


def _names(session: Session, user_ids: set[str]) -> dict[str, str]:
    if not user_ids:
        return {}
    rows = session.execute(
        select(SlackUser.user_id, SlackUser.name).where(SlackUser.user_id.in_(user_ids))
    ).all()
    return {uid: name for uid, name in rows if name}


def unnamed_people(session: Session, meeting: Meeting) -> list[str]:
    """Those the minutes of ``meeting`` would name with neither a roster title nor a cached
    Slack name: the roster without titles, other attendees, authors of notes. The caller
    asks Slack who they are (:func:`bot.slackinfo.user_info`) before drafting, so the minutes
    never fall back further than a role label."""
    members = roster(session, meeting.body)
    wanted = {m.user_id for m in members if not m.title} | set(attendance(session, meeting.id))
    items = _live_items(session, meeting.id)
    wanted |= {
        n.author_id for ns in notes_by_item(session, [i.id for i in items]).values() for n in ns
    }
    wanted -= {m.user_id for m in members if m.title}
    named = _names(session, wanted)
    return sorted(uid for uid in wanted if uid and uid not in named)


def _attendee_label(member: MemberView, lang: str, names: dict[str, str]) -> str:
    role = t(lang, f"minutes.speaker.{member.role}")
    base = member.title or names.get(member.user_id)
    if member.role in ("chair", "vice_chair"):
        return t(lang, "minutes.attendee_with_role", title=base, role=role) if base else role
    # Never the raw Slack id (「事務局：U0SEC」): with no title nor name, the role says who.
    return base or role


def _attendance(
    session: Session,
    meeting: Meeting,
    members: list[MemberView],
    lang: str,
    names: dict[str, str],
) -> tuple[tuple[AttendeeGroup, ...], tuple[str, ...]]:
    """Present: the roster less those who answered Absent, plus others who answered Attend."""
    answers = attendance(session, meeting.id)
    on_roster = {m.user_id for m in members}
    present = [m for m in members if answers.get(m.user_id) != "absent"]
    groups = []
    for key, roles in (("members", _MEMBER_ROLES), ("secretariat", ("secretariat",))):
        chosen = tuple(_attendee_label(m, lang, names) for m in present if m.role in roles)
        if chosen:
            groups.append(AttendeeGroup(key, t(lang, f"minutes.group.{key}"), chosen))
    others = tuple(
        names.get(uid) or t(lang, "minutes.unknown_person")
        for uid, status in sorted(answers.items())
        if status == "present" and uid not in on_roster
    )
    if others:
        groups.append(AttendeeGroup("others", t(lang, "minutes.group.others"), others))
    absent = tuple(
        _attendee_label(m, lang, names) for m in members if answers.get(m.user_id) == "absent"
    )
    return tuple(groups), absent


def _speaker(note: NoteView, roles: dict[str, str], lang: str, names: dict[str, str]) -> str:
    if note.speaker:
        return note.speaker
    role = roles.get(note.author_id)
    if role is not None:
        return t(lang, f"minutes.speaker.{role}")
    # Not on the roster (a presenting department's staff, say): their own name, never a role.
    return names.get(note.author_id) or t(lang, "minutes.unknown_person")


def _decision_line(
    decision: Decision | None, lang: str, titles: dict[str, str], names: dict[str, str]
) -> DecisionLine | None:
    if decision is None:
        return None
    owner = decision.owner_dept or ""
    if decision.owner_user_id:
        uid = decision.owner_user_id
        owner = titles.get(uid) or names.get(uid) or uid
    pending = decision.status == "open" and (
        decision.outcome in ALWAYS_PENDING or bool(owner and decision.due_date)
    )
    return DecisionLine(
        ref=f"D{decision.id}",
        outcome=decision.outcome,
        outcome_line=t(lang, f"minutes.outcome.{decision.outcome}"),
        text=decision.text or "",
        owner=owner,
        due=format_date_short(decision.due_date, lang) if decision.due_date else "",
        pending=pending,
    )


def _material_line(view: MaterialView, lang: str) -> MaterialLine:
    return MaterialLine(
        label=view.label(lang),
        title=view.title,
        url=view.url or "",
        reference=view.reference,
        item_ref=view.item_ref,
    )


def _item_minutes(
    item: AgendaItem,
    lang: str,
    *,
    hidden: bool,
    notes: tuple[NoteLine, ...],
    decision: DecisionLine | None,
    materials: tuple[MaterialLine, ...],
) -> ItemMinutes:
    """One item; a hidden one keeps its heading and 「（非公開）」, and nothing else."""
    kind = t(lang, f"minutes.kind_short.{item.kind}")
    number = item.number or 0
    return ItemMinutes(
        ref=f"A{item.id}",
        kind=item.kind,
        kind_label=kind,
        number=number,
        number_label=t(lang, "minutes.number_label", number=number),
        heading=t(lang, "minutes.heading", kind=kind, number=number),
        code=f"{kind} {number}" if lang == "en" else f"{kind}{number}",
        title=t(lang, "minutes.hidden") if hidden else item.title,
        presenter="" if hidden else item.presenter or "",
        summary="" if hidden else item.summary or "",
        hidden=hidden,
        private=item.private,
        notes=() if hidden else notes,
        decision=None if hidden else decision,
        materials=materials,
    )


def _meeting_info(view: MeetingView, dept: str | None, lang: str, tz: ZoneInfo) -> MeetingInfo:
    """The form's header; 開催日時 runs from the actual start to the actual end when known."""
    start = (view.actual_start or view.starts_at).astimezone(tz)
    end = (view.actual_end or view.ends_at).astimezone(tz)
    day = format_date(start.date(), lang)
    time_range = format_time_range(start.time(), end.time(), lang)

    def clock(moment: datetime | None) -> str:
        return format_time(moment.astimezone(tz).time()) if moment else ""

    return MeetingInfo(
        ref=view.ref,
        title=meeting_title(view, lang),
        fiscal_year=fiscal_year_label(view.fiscal_year, lang),
        number=view.number,
        body_name=view.body_name,
        secretariat_dept=dept or "",
        date=day,
        time_range=time_range,
        when=f"{day} {time_range}",
        place=view.place or "",
        disclosure=view.disclosure,
        disclosure_label=t(lang, f"disclosure.{view.disclosure}"),
        disclosure_reason=view.disclosure_reason or "",
        minutes_disclosure=view.minutes_disclosure,
        minutes_disclosure_label=t(lang, f"disclosure.{view.minutes_disclosure}"),
        minutes_disclosure_reason=view.minutes_disclosure_reason or "",
        started_at=clock(view.actual_start),
        ended_at=clock(view.actual_end),
    )


def build_context(
    session: Session,
    meeting: Meeting,
    *,
    lang: str,
    tz: ZoneInfo,
    now: datetime,
    public: bool = False,
    version: int = 0,
) -> MinutesContext:
    """Gather the minutes of ``meeting`` in ``lang`` (``public``: the public version)."""
    view = meeting_view(session, meeting)
    body = meeting.body
    members = roster(session, body)
    items = _live_items(session, meeting.id)
    notes = notes_by_item(session, [i.id for i in items])
    user_ids = {m.user_id for m in members} | set(attendance(session, meeting.id))
    user_ids |= {n.author_id for ns in notes.values() for n in ns}
    decisions = {i.id: current_decision(session, i.id) for i in items}
    user_ids |= {d.owner_user_id for d in decisions.values() if d and d.owner_user_id}
    names = _names(session, user_ids)
    roles = {m.user_id: m.role for m in members}
    titles = {m.user_id: m.title for m in members if m.title}
    closed_minutes = meeting.minutes_disclosure == "closed"

    register = materials_register(session, meeting)
    by_item: dict[int, list[MaterialLine]] = {}
    shown_materials: list[MaterialLine] = []
    hidden_ids = {i.id for i in items if public and (i.private or closed_minutes)}
    for material in register:
        if public and (material.private or material.item_id in hidden_ids):
            continue
        line = _material_line(material, lang)
        shown_materials.append(line)
        by_item.setdefault(material.item_id, []).append(line)

    shown = [
        _item_minutes(
            item,
            lang,
            hidden=item.id in hidden_ids,
            notes=tuple(
                NoteLine(_speaker(n, roles, lang, names), n.text) for n in notes.get(item.id, [])
            ),
            decision=_decision_line(decisions[item.id], lang, titles, names),
            materials=tuple(by_item.get(item.id, [])),
        )
        for item in items
    ]
    agenda = tuple(
        AgendaGroup(kind, t(lang, f"minutes.kind.{kind}"), group)
        for kind in KIND_ORDER
        if (group := tuple(i for i in shown if i.kind == kind))
    )
    chair = next((m for m in members if m.role == "chair"), None)
    info = _meeting_info(view, meeting.body.secretariat_dept, lang, tz)
    attendees, absent = _attendance(session, meeting, members, lang, names)
    return MinutesContext(
        lang=lang,
        public=public,
        version=version,
        meeting=info,
        chair=t(lang, "minutes.speaker.chair") if chair else "",
        attendees=attendees,
        absent=absent,
        agenda=agenda,
        items=tuple(shown),
        materials=tuple(shown_materials),
        labels=labels(lang),
        generated_at=format_date_short(now.astimezone(tz).date(), lang),
    )
