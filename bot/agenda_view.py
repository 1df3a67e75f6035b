"""The agenda and the materials list as Slack messages, within Slack's limits.

:func:`agenda_sheet` gathers what an agenda shows (items grouped 確認事項 / 議案 / 報告事項
with their numbers, presenters, time boxes turned into clock times from the meeting's start,
and materials labels); templates decide the words; :func:`pack_messages` cuts the text into
sections of at most 3000 characters and messages of at most 50 blocks, however long it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.agenda import Deadlines, ItemView, deadlines_for, item_view
from bot.calendar import BusinessCalendar, format_time
from bot.i18n import t
from bot.materials import MaterialView, materials_of_item, materials_register
from bot.meetings import MeetingView, get_meeting, meeting_view
from bot.numbering import KIND_ORDER, NUMBERED_STATUSES, material_codes, ordered_items
from bot.present import local_date_time, meeting_title, meeting_when
from bot.render import render_slack
from bot.text import truncate

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


def _material_row(material: MaterialView, lang: str) -> dict[str, Any]:
    return {
        "label": material.label(lang),
        "title": material.title,
        "url": material.url,
        "private": material.private,
        "reference": material.reference,
    }


def _entry_chunk(entry: AgendaEntry, lang: str, tz: ZoneInfo) -> str:
    item = entry.item
    times = None
    if entry.starts is not None and entry.ends is not None:
        start, end = entry.starts.astimezone(tz).time(), entry.ends.astimezone(tz).time()
        times = f"{format_time(start)}{'–' if lang == 'en' else '～'}{format_time(end)}"
    elif entry.starts is not None:
        times = format_time(entry.starts.astimezone(tz).time()) + "～"
    return render_slack(
        "agenda_item",
        lang,
        number=item.number,
        title=item.title,
        ref=item.ref,
        presenter=item.presenter,
        minutes=item.time_box_minutes,
        times=times,
        private=item.private,
        late=item.late,
        status=item.status,
        status_label=t(lang, f"agenda.status.{item.status}"),
        materials=[_material_row(m, lang) for m in entry.materials],
    )


def agenda_chunks(sheet: AgendaSheet, lang: str, tz: ZoneInfo) -> list[str]:
    """The agenda's text in pieces that are never cut apart (heading, one per item …)."""
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
            chunk = _entry_chunk(entry, lang, tz)
            chunks.append(f"{header}\n{chunk}" if index == 0 else chunk)
    if sheet.overrun_minutes > 0:
        chunks.append(t(lang, "agenda.time_over", minutes=sheet.overrun_minutes))
    if sheet.off_agenda:
        chunks.append(
            render_slack(
                "agenda_off",
                lang,
                items=[
                    {
                        "ref": i.ref,
                        "kind": t(lang, f"agenda.kind_one.{i.kind}"),
                        "title": i.title,
                        "status_label": t(lang, f"agenda.status.{i.status}"),
                        "reason": i.status_reason,
                    }
                    for i in sheet.off_agenda
                ],
            )
        )
    return chunks


def materials_chunks(session: Session, meeting_id: int, lang: str, tz: ZoneInfo) -> list[str]:
    """The materials register of a meeting as text pieces: heading, then one per material."""
    meeting = get_meeting(session, meeting_id)
    view = meeting_view(session, meeting)
    register = materials_register(session, meeting)
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
        chunks.append(
            render_slack(
                "materials_row",
                lang,
                item_ref=material.item_ref,
                item_kind=t(lang, f"agenda.kind_one.{material.item_kind}"),
                item_number=material.item_number,
                **_material_row(material, lang),
            )
        )
    return chunks


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
