"""The agenda and the materials list as Slack messages, within Slack's limits.

:func:`agenda_sheet` gathers what an agenda shows (items grouped 確認事項 / 議案 / 報告事項
with their numbers, presenters, time boxes turned into clock times from the meeting's start,
and materials labels); templates decide the words; :func:`pack_messages` cuts the text into
sections of at most 3000 characters and messages of at most 50 blocks, however long it is.

This is the one place that decides what an agenda shows to whom. Every renderer takes
``public_only``: in the public version a non-public item (flagged private, or any item of a
meeting whose meeting or minutes disclosure is not public) keeps its reference, kind and
number and reads 「（非公開）」, with no title, presenter, reason or material titles; a
private material of a public item reads 「（非公開）」 too. Which version a destination gets
is decided by :mod:`bot.disclosure` (the safe-channel rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.agenda import ItemView, item_view
from bot.agenda_deadlines import Deadlines, deadlines_for
from bot.calendar import BusinessCalendar, format_time
from bot.disclosure import is_non_public_meeting
from bot.i18n import t
from bot.materials import MaterialView, materials_of_item, materials_register
from bot.meetings import MeetingView, get_meeting, meeting_view
from bot.numbering import KIND_ORDER, NUMBERED_STATUSES, material_codes, ordered_items
from bot.present import local_date_time, meeting_title, meeting_when
from bot.render import render_slack
from bot.text import truncate
from storage.models import Meeting

SECTION_LIMIT = 3000
MESSAGE_BLOCK_LIMIT = 50
FALLBACK_LIMIT = 3000


@dataclass(frozen=True)
class AgendaEntry:
    """One numbered item with its planned clock times and its materials."""

    item: ItemView
    starts: datetime | None
    ends: datetime | None
    materials: tuple[MaterialView, ...]


@dataclass(frozen=True)
class AgendaSheet:
    """Everything an agenda shows."""

    meeting: MeetingView
    groups: tuple[tuple[str, tuple[AgendaEntry, ...]], ...]
    off_agenda: tuple[ItemView, ...]
    deadlines: Deadlines
    locked: bool
    overrun_minutes: int


@dataclass(frozen=True)
class SlackMessage:
    """One message: its notification text and its blocks."""

    text: str
    blocks: list[dict[str, Any]]


def agenda_sheet(
    session: Session, meeting_id: int, cal: BusinessCalendar, tz: ZoneInfo
) -> AgendaSheet:
    """The agenda of meeting ``meeting_id``: numbered items by kind, then the others.

    Clock times run from the scheduled start through the live items' time boxes in agenda
    order; after an item without a time box the times are unknown and not shown.
    """
    meeting = get_meeting(session, meeting_id)
    items = ordered_items(session, meeting.id)
    codes = material_codes(session, meeting)
    cursor: datetime | None = meeting.starts_at
    groups: list[tuple[str, tuple[AgendaEntry, ...]]] = []
    for kind in KIND_ORDER:
        entries: list[AgendaEntry] = []
        for item in (i for i in items if i.kind == kind and i.number is not None):
            starts = ends = None
            if item.status in NUMBERED_STATUSES:
                starts = cursor
                if cursor is not None and item.time_box_minutes:
                    ends = cursor + timedelta(minutes=item.time_box_minutes)
                cursor = ends
            entries.append(
                AgendaEntry(
                    item=item_view(item),
                    starts=starts,
                    ends=ends,
                    materials=tuple(materials_of_item(session, item, codes)),
                )
            )
        if entries:
            groups.append((kind, tuple(entries)))
    overrun = 0
    if cursor is not None and cursor > meeting.ends_at:
        overrun = int((cursor - meeting.ends_at).total_seconds() // 60)
    return AgendaSheet(
        meeting=meeting_view(session, meeting),
        groups=tuple(groups),
        off_agenda=tuple(item_view(i) for i in items if i.number is None),
        deadlines=deadlines_for(meeting.body, meeting.starts_at, cal, tz),
        locked=meeting.agenda_locked_at is not None,
        overrun_minutes=overrun,
    )


@dataclass(frozen=True)
class ShownMaterial:
    """A material as one audience may see it (``hidden``: its title reads 「（非公開）」)."""

    label: str
    title: str
    url: str | None
    private: bool
    reference: bool
    hidden: bool


@dataclass(frozen=True)
class ShownItem:
    """An agenda item as one audience may see it.

    In the public version a non-public item (``hidden``) keeps its reference, kind, number
    and status; its title reads 「（非公開）」 and its presenter, reason and material titles
    are left out.
    """

    ref: str
    kind: str
    number: int | None
    title: str
    presenter: str | None
    status: str
    status_reason: str | None
    late: bool
    private: bool
    hidden: bool
    materials: tuple[ShownMaterial, ...]


def non_public_text(lang: str) -> str:
    """「（非公開）」 / "(non-public)": what a hidden title reads."""
    return t(lang, "agenda.non_public")


def shown_material(material: MaterialView, lang: str, *, hidden: bool) -> ShownMaterial:
    """``material`` as shown; ``hidden`` replaces its title and drops its link."""
    return ShownMaterial(
        label=material.label(lang),
        title=non_public_text(lang) if hidden else material.title,
        url=None if hidden else material.url,
        private=material.private,
        reference=material.reference,
        hidden=hidden,
    )


def shown_item(
    item: ItemView,
    meeting: MeetingView,
    materials: Sequence[MaterialView],
    lang: str,
    *,
    public_only: bool,
) -> ShownItem:
    """``item`` with its materials, as the public (``public_only``) or full version shows it."""
    hidden = public_only and (item.private or meeting.is_non_public)
    return ShownItem(
        ref=item.ref,
        kind=item.kind,
        number=item.number,
        title=non_public_text(lang) if hidden else item.title,
        presenter=None if hidden else item.presenter,
        status=item.status,
        status_reason=None if hidden else item.status_reason,
        late=item.late,
        private=item.private,
        hidden=hidden,
        materials=tuple(
            shown_material(m, lang, hidden=hidden or (public_only and m.private)) for m in materials
        ),
    )


def agenda_rows(
    session: Session, meeting: Meeting, lang: str, *, public_only: bool
) -> list[ShownItem]:
    """The meeting's live (numbered) items in agenda order with their materials, as shown.

    For other surfaces that word the agenda themselves (the reminders' agenda preview):
    the same disclosure rule as :func:`agenda_chunks`.
    """
    view = meeting_view(session, meeting)
    codes = material_codes(session, meeting)
    return [
        shown_item(
            item_view(item),
            view,
            materials_of_item(session, item, codes),
            lang,
            public_only=public_only,
        )
        for item in ordered_items(session, meeting.id)
        if item.status in NUMBERED_STATUSES
    ]


def _material_row(material: ShownMaterial) -> dict[str, Any]:
    return {
        "label": material.label,
        "title": material.title,
        "url": material.url,
        "private": material.private and not material.hidden,
        "reference": material.reference,
    }


def _entry_chunk(entry: AgendaEntry, shown: ShownItem, lang: str, tz: ZoneInfo) -> str:
    times = None
    if entry.starts is not None and entry.ends is not None:
        start, end = entry.starts.astimezone(tz).time(), entry.ends.astimezone(tz).time()
        times = f"{format_time(start)}{'–' if lang == 'en' else '～'}{format_time(end)}"
    elif entry.starts is not None:
        times = format_time(entry.starts.astimezone(tz).time()) + ("–" if lang == "en" else "～")
    return render_slack(
        "agenda_item",
        lang,
        number=shown.number,
        title=shown.title,
        ref=shown.ref,
        presenter=shown.presenter,
        minutes=entry.item.time_box_minutes,
        times=times,
        private=shown.private and not shown.hidden,
        late=shown.late,
        status=shown.status,
        status_label=t(lang, f"agenda.status.{shown.status}"),
        materials=[_material_row(m) for m in shown.materials],
    )


def agenda_chunks(sheet: AgendaSheet, lang: str, tz: ZoneInfo, *, public_only: bool) -> list[str]:
    """The agenda's text in pieces that are never cut apart (heading, one per item …).

    ``public_only``: the public version, for anywhere non-public content may not go.
    """
    meeting = sheet.meeting
    chunks = [
        render_slack(
            "agenda_heading",
            lang,
            title=meeting_title(meeting, lang),
            when=meeting_when(meeting, lang, tz),
            place=meeting.place,
            ref=meeting.ref,
            locked=sheet.locked,
            agenda_deadline=local_date_time(sheet.deadlines.agenda, lang, tz),
            materials_deadline=local_date_time(sheet.deadlines.materials, lang, tz),
        )
    ]
    if not sheet.groups:
        chunks.append(t(lang, "agenda.list_empty"))
    for kind, entries in sheet.groups:
        header = f"*{t(lang, f'agenda.kind.{kind}')}*"
        for index, entry in enumerate(entries):
            shown = shown_item(entry.item, meeting, entry.materials, lang, public_only=public_only)
            chunk = _entry_chunk(entry, shown, lang, tz)
            chunks.append(f"{header}\n{chunk}" if index == 0 else chunk)
    if sheet.overrun_minutes > 0:
        chunks.append(t(lang, "agenda.time_over", minutes=sheet.overrun_minutes))
    if sheet.off_agenda:
        off = [shown_item(i, meeting, (), lang, public_only=public_only) for i in sheet.off_agenda]
        chunks.append(
            render_slack(
                "agenda_off",
                lang,
                items=[
                    {
                        "ref": i.ref,
                        "kind": t(lang, f"agenda.kind_one.{i.kind}"),
                        "title": i.title,
                        "hidden": i.hidden,
                        "status_label": t(lang, f"agenda.status.{i.status}"),
                        "reason": i.status_reason,
                    }
                    for i in off
                ],
            )
        )
    return chunks


def materials_chunks(
    session: Session, meeting_id: int, lang: str, tz: ZoneInfo, *, public_only: bool
) -> list[str]:
    """The materials register of a meeting as text pieces: heading, then one per material.

    ``public_only``: private materials, and every material of a non-public item, read
    「（非公開）」.
    """
    meeting = get_meeting(session, meeting_id)
    view = meeting_view(session, meeting)
    register = materials_register(session, meeting)
    private_items = {i.id for i in ordered_items(session, meeting.id) if i.private}
    chunks = [
        render_slack(
            "materials_heading",
            lang,
            title=meeting_title(view, lang),
            when=meeting_when(view, lang, tz),
            ref=view.ref,
            locked=meeting.agenda_locked_at is not None,
            count=len(register),
        )
    ]
    for material in register:
        hidden = public_only and (
            material.private or material.item_id in private_items or view.is_non_public
        )
        chunks.append(
            render_slack(
                "materials_row",
                lang,
                item_ref=material.item_ref,
                item_kind=t(lang, f"agenda.kind_one.{material.item_kind}"),
                item_number=material.item_number,
                **_material_row(shown_material(material, lang, hidden=hidden)),
            )
        )
    return chunks


def meeting_has_non_public(session: Session, meeting: Meeting) -> bool:
    """Whether the meeting's agenda or materials differ between the public and the full
    version (when they do not, there is no need to ask Slack where they are going)."""
    if is_non_public_meeting(meeting):
        return True
    return any(
        item.private or any(m.private for m in item.materials)
        for item in ordered_items(session, meeting.id)
    )


def _split_long(chunk: str, limit: int) -> list[str]:
    if len(chunk) <= limit:
        return [chunk]
    pieces: list[str] = []
    current = ""
    for line in chunk.split("\n"):
        line = truncate(line, limit)
        if current and len(current) + 1 + len(line) > limit:
            pieces.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        pieces.append(current)
    return pieces


def pack_messages(
    chunks: Sequence[str],
    *,
    section_limit: int = SECTION_LIMIT,
    max_blocks: int = MESSAGE_BLOCK_LIMIT,
) -> list[SlackMessage]:
    """Pack text pieces into section blocks (≤ ``section_limit`` characters each) and the
    sections into messages (≤ ``max_blocks`` blocks each), keeping every piece whole when
    it fits in one section."""
    sections: list[str] = []
    current = ""
    for chunk in chunks:
        for piece in _split_long(chunk, section_limit):
            if current and len(current) + 1 + len(piece) <= section_limit:
                current = f"{current}\n{piece}"
                continue
            if current:
                sections.append(current)
            current = piece
    if current:
        sections.append(current)
    messages: list[SlackMessage] = []
    for start in range(0, len(sections), max_blocks):
        group = sections[start : start + max_blocks]
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in group]
        messages.append(SlackMessage(text=truncate(group[0], FALLBACK_LIMIT), blocks=blocks))
    return messages
