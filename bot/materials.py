"""The materials register: documents for agenda items, numbered 資料1, 資料3－1, 参考資料1 ….

Numbering is :mod:`bot.numbering`'s; this module adds, lists and finds materials, and turns
files shared in an item's Slack thread into that item's materials.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.agenda import item_by_thread, require_own_item
from bot.agenda_deadlines import lock_if_due
from bot.audit import record
from bot.calendar import BusinessCalendar
from bot.errors import Forbidden, UserError
from bot.numbering import (
    format_label,
    is_frozen,
    label_sort_key,
    material_codes,
    next_frozen_code,
    ordered_items,
)
from bot.permissions import Actor, is_secretariat
from storage.models import AgendaItem, Material, Meeting

MAX_TITLE = 500
MAX_URL = 1000
_SLACK_LINK = re.compile(r"<(?P<url>[^<>|]+)(?:\|[^<>]*)?>")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")


@dataclass(frozen=True)
class MaterialView:
    """A material with its label code (``"3-1"``, ``"R1"``, or None while not numbered)."""

    id: int
    item_id: int
    item_kind: str
    item_number: int | None
    item_title: str
    title: str
    url: str | None
    file_id: str | None
    private: bool
    reference: bool
    code: str | None
    added_by: str

    @property
    def item_ref(self) -> str:
        return f"A{self.item_id}"

    def label(self, lang: str) -> str:
        """資料3－1 / Material 3-1; "" while the material has no number."""
        return format_label(self.code, lang)


def _view(material: Material, code: str | None) -> MaterialView:
    item = material.item
    return MaterialView(
        id=material.id,
        item_id=item.id,
        item_kind=item.kind,
        item_number=item.number,
        item_title=item.title,
        title=material.title,
        url=material.url,
        file_id=material.file_id,
        private=material.private,
        reference=material.reference,
        code=code,
        added_by=material.added_by,
    )


def clean_url(value: str | None) -> str | None:
    """A link as typed or as Slack sends it (``<https://…|label>``); http(s) only.

    Raises:
        UserError: ``materials.bad_url``.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    m = _SLACK_LINK.fullmatch(text)
    if m is not None:
        text = m.group("url")
    if not _URL.fullmatch(text) or len(text) > MAX_URL:
        raise UserError("materials.bad_url", value=text[:60], usage="usage.materials.add")
    return text


def _check_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise UserError("materials.needs_title", usage="usage.materials.add")
    if len(title) > MAX_TITLE:
        raise UserError("materials.title_too_long", limit=MAX_TITLE, usage="usage.materials.add")
    return title


def _require_may_add(session: Session, item: AgendaItem, actor: Actor) -> None:
    require_own_item(session, item, actor)
    meeting = item.meeting
    if meeting.status == "cancelled":
        raise UserError("agenda.meeting_closed", ref=f"M{meeting.id}", status=meeting.status)
    if item.number is None:
        raise UserError("materials.item_not_on_agenda", ref=f"A{item.id}", status=item.status)
    if is_frozen(meeting) and not is_secretariat(session, meeting.body, actor):
        raise Forbidden("agenda.locked", ref=f"M{meeting.id}", body=meeting.body.name)


def _code_of(session: Session, meeting: Meeting, material: Material) -> str | None:
    return material_codes(session, meeting).get(material.id)


def add_material(
    session: Session,
    item: AgendaItem,
    *,
    title: str,
    actor: Actor,
    now: datetime,
    cal: BusinessCalendar,
    tz: ZoneInfo,
    url: str | None = None,
    reference: bool = False,
    private: bool = False,
    file_id: str | None = None,
) -> MaterialView:
    """Add a material to ``item`` (its submitter or the secretariat).

    On a locked agenda it is labelled at once, after the frozen labels.
    """
    lock_if_due(session, item.meeting, now, cal, tz)
    _require_may_add(session, item, actor)
    material = Material(
        title=_check_title(title),
        url=clean_url(url),
        file_id=file_id,
        private=private,
        reference=reference,
        added_by=actor.user_id,
        created_at=now,
    )
    item.materials.append(material)
    session.flush()
    return _after_add(session, item.meeting, material, actor.user_id, now)


def _after_add(
    session: Session, meeting: Meeting, material: Material, user_id: str, now: datetime
) -> MaterialView:
    if meeting.agenda_locked_at is not None:
        material.label = next_frozen_code(session, meeting, material)
        session.flush()
    record(session, now, user_id, "materials.add", meeting.body_id, "material", material.id)
    return _view(material, _code_of(session, meeting, material))


def materials_register(session: Session, meeting: Meeting) -> list[MaterialView]:
    """The meeting's numbered materials: 資料1, 資料2, 資料3－1 …, then 参考資料1 ….

    This is the 提出された資料等 list of the minutes. Materials of items off the agenda
    (withdrawn, rejected or carried before the agenda froze) are not in it.
    """
    codes = material_codes(session, meeting)
    views = [
        _view(m, codes[m.id])
        for item in ordered_items(session, meeting.id)
        for m in item.materials
        if m.id in codes
    ]
    return sorted(views, key=lambda v: label_sort_key(v.code))


def materials_of_item(
    session: Session, item: AgendaItem, codes: Mapping[int, str] | None = None
) -> list[MaterialView]:
    """``item``'s materials in the order they were added, with their labels.

    ``codes`` (from :func:`bot.numbering.material_codes`) saves recomputing them when the
    caller goes through every item of a meeting.
    """
    if codes is None:
        codes = material_codes(session, item.meeting)
    return [_view(m, codes.get(m.id)) for m in sorted(item.materials, key=lambda m: m.id)]


def count_by_item(session: Session, item_ids: Sequence[int]) -> dict[int, int]:
    """How many materials each item has (items without any are absent)."""
    if not item_ids:
        return {}
    counts: dict[int, int] = {}
    for item_id in session.scalars(
        select(Material.agenda_item_id).where(Material.agenda_item_id.in_(item_ids))
    ):
        counts[item_id] = counts.get(item_id, 0) + 1
    return counts


def _file_title(file: Mapping[str, Any]) -> str:
    name = str(file.get("name") or "")
    title = str(file.get("title") or name or file.get("id") or "").strip()
    if title == name:
        title = _EXTENSION.sub("", title) or title
    return title[:MAX_TITLE]


def add_files_from_thread(
    session: Session,
    *,
    channel: str,
    thread_ts: str,
    files: list[dict[str, Any]],
    user_id: str,
    now: datetime,
    actor: Actor | None = None,
) -> list[MaterialView]:
    """Register files shared in an agenda item's thread as that item's materials.

    Idempotent by Slack file id: a file already registered (a retried event, the same file
    shared twice) is returned as it is, never added again. Not an item's thread: ``[]``.

    Args:
        session: the unit of work.
        channel: the channel of the message that shared the files.
        thread_ts: the ``thread_ts`` of that message.
        files: the event's ``files`` (Slack file objects: ``id``, ``name``, ``title``,
            ``permalink`` …).
        user_id: who shared them.
        now: the current time.
        actor: the sharer with their admin lookup; by default ``user_id`` without one.

    Raises:
        Forbidden: the sharer may not add materials to this item (not its submitter nor the
            secretariat), or its agenda is locked; nothing is written. The caller should tell
            the sharer why, ephemerally.
        UserError: the item is no longer on the agenda.
    """
    item = item_by_thread(session, channel, thread_ts)
    usable = [f for f in files if f.get("id") and f.get("mode") not in ("tombstone", "hidden")]
    if item is None or not usable:
        return []
    who = actor or Actor(user_id=user_id)
    found: list[Material] = []
    pending: dict[str, Mapping[str, Any]] = {}
    for file in usable:
        file_id = str(file["id"])[:40]
        existing = session.scalar(select(Material).where(Material.file_id == file_id))
        if existing is not None:
            found.append(existing)
        else:
            pending.setdefault(file_id, file)
    if pending:
        _require_may_add(session, item, who)
    for file_id, shared in pending.items():
        material = Material(
            title=_file_title(shared),
            url=str(shared.get("permalink") or "")[:MAX_URL] or None,
            file_id=file_id,
            private=False,
            reference=False,
            added_by=user_id,
            created_at=now,
        )
        item.materials.append(material)
        session.flush()
        _after_add(session, item.meeting, material, user_id, now)
        found.append(material)
    # Labels once all are in: the first of several files is 資料N－1, not 資料N.
    unique = {m.id: m for m in found}
    return [_view(m, _code_of(session, m.item.meeting, m)) for m in unique.values()]
