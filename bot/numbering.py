"""Numbers on an agenda: 議案(2) within its kind, and 資料3－1 / 参考資料1 for materials.

Both follow PRODUCT.md and reproduce the reference minutes: items are ordered 確認事項, then
議案, then 報告事項, each by number; every item with materials takes the next main number; one
material is 資料N, several are 資料N－1, 資料N－2 …; reference materials (参考資料) count apart.

While the agenda is open the numbers are recomputed after every change, so a withdrawn item
leaves no gap. Once it is locked (or the meeting has begun) numbers are frozen: item numbers
stay as they are and material labels are written to ``Material.label``; later additions are
numbered after the frozen ones.

A stored label is a language-neutral code: ``"3"`` (資料3), ``"3-1"`` (資料3－1) or ``"R1"``
(参考資料1). :func:`format_label` turns it into words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AgendaItem, Material, Meeting

KIND_ORDER: tuple[str, ...] = ("confirm", "proposal", "report")
NUMBERED_STATUSES: tuple[str, ...] = ("submitted", "accepted")
_CODE = re.compile(r"(?P<ref>R)?(?P<main>\d+)(?:-(?P<sub>\d+))?")


def is_frozen(meeting: Meeting) -> bool:
    """Whether the agenda's numbers can no longer change (locked, started or held)."""
    return (
        meeting.agenda_locked_at is not None
        or meeting.actual_start is not None
        or meeting.status != "scheduled"
    )


def _kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def ordered_items(session: Session, meeting_id: int) -> list[AgendaItem]:
    """All the meeting's items: numbered ones in agenda order, then the rest by submission."""
    items = session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.id)
    ).all()
    return sorted(
        items,
        key=lambda i: (
            i.number is None,
            _kind_rank(i.kind),
            i.number if i.number is not None else 0,
            i.id,
        ),
    )


def renumber(session: Session, meeting: Meeting) -> None:
    """Number the live items of each kind 1, 2, 3 … keeping their order.

    On an open agenda, items that are not live (withdrawn, rejected, carried) lose their
    number and the rest close up; on a frozen one, only items still without a number get
    one, after the last.
    """
    session.flush()
    # Concurrent changes to one agenda take turns (PostgreSQL; SQLite writes one at a time).
    # NO KEY UPDATE does not conflict with the key-share lock a new item's foreign key takes.
    session.execute(
        select(Meeting.id).where(Meeting.id == meeting.id).with_for_update(key_share=True)
    )
    items = ordered_items(session, meeting.id)
    frozen = is_frozen(meeting)
    for kind in KIND_ORDER:
        of_kind = [i for i in items if i.kind == kind]
        if frozen:
            top = max((i.number for i in of_kind if i.number is not None), default=0)
            for item in of_kind:
                if item.number is None and item.status in NUMBERED_STATUSES:
                    top += 1
                    item.number = top
            continue
        live = [i for i in of_kind if i.status in NUMBERED_STATUSES]
        # Keep the current order (an item placed with ``no=`` already pushed the others
        # up); new items, still without a number, come last in submission order.
        live.sort(key=lambda i: (i.number if i.number is not None else 10**9, i.id))
        for position, item in enumerate(live, start=1):
            item.number = position
        for item in of_kind:
            if item.status not in NUMBERED_STATUSES:
                item.number = None
    session.flush()


def _split_materials(item: AgendaItem) -> tuple[list[Material], list[Material]]:
    ordered = sorted(item.materials, key=lambda m: m.id)
    return [m for m in ordered if not m.reference], [m for m in ordered if m.reference]


def computed_codes(items: Sequence[AgendaItem]) -> dict[int, str]:
    """The label code of every material of the numbered items, computed afresh."""
    codes: dict[int, str] = {}
    main = reference = 0
    for item in items:
        if item.number is None:
            continue
        mains, references = _split_materials(item)
        if mains:
            main += 1
            if len(mains) == 1:
                codes[mains[0].id] = str(main)
            else:
                for sub, material in enumerate(mains, start=1):
                    codes[material.id] = f"{main}-{sub}"
        for material in references:
            reference += 1
            codes[material.id] = f"R{reference}"
    return codes


def material_codes(session: Session, meeting: Meeting) -> dict[int, str]:
    """Label codes by material id: the frozen ones once locked, else computed now."""
    items = ordered_items(session, meeting.id)
    if meeting.agenda_locked_at is None:
        return computed_codes(items)
    return {m.id: m.label for i in items for m in i.materials if m.label}


def freeze_labels(session: Session, meeting: Meeting) -> None:
    """Write the current labels to the materials: they no longer change."""
    items = ordered_items(session, meeting.id)
    codes = computed_codes(items)
    for item in items:
        for material in item.materials:
            if material.label is None and material.id in codes:
                material.label = codes[material.id]
    session.flush()


def clear_labels(session: Session, meeting: Meeting) -> None:
    """Forget the frozen labels (the agenda was unlocked)."""
    for item in ordered_items(session, meeting.id):
        for material in item.materials:
            material.label = None
    session.flush()


def _parse(code: str) -> tuple[bool, int, int | None] | None:
    m = _CODE.fullmatch(code)
    if m is None:
        return None
    sub = m.group("sub")
    return bool(m.group("ref")), int(m.group("main")), int(sub) if sub else None


def next_frozen_code(session: Session, meeting: Meeting, material: Material) -> str:
    """The label for ``material`` added to a locked agenda: after the frozen ones.

    A reference material takes the next 参考資料 number; a main one joins its item's number
    (3-3 → 3-4, 資料3 → 資料3－2) or, when its item has none yet, takes the next main number.
    """
    labels = [
        parsed
        for item in ordered_items(session, meeting.id)
        for m in item.materials
        if m.label and m.id != material.id and (parsed := _parse(m.label))
    ]
    if material.reference:
        return f"R{max((n for ref, n, _ in labels if ref), default=0) + 1}"
    own = [
        parsed
        for m in material.item.materials
        if m.label and m.id != material.id and not m.reference and (parsed := _parse(m.label))
    ]
    if own:
        main = own[0][1]
        return f"{main}-{max(sub or 1 for _, _, sub in own) + 1}"
    return str(max((n for ref, n, _ in labels if not ref), default=0) + 1)


def format_label(code: str | None, lang: str) -> str:
    """資料3－1 / 参考資料1 (``ja``), Material 3-1 / Reference 1 (``en``); "" without a code.

    The Japanese dash is the full-width ``－`` of the reference minutes, which NFKC turns
    into ``-``: NFKC("資料3－1") == "資料3-1".
    """
    parsed = _parse(code) if code else None
    if parsed is None:
        return ""
    reference, main, sub = parsed
    if lang == "en":
        number = f"{main}-{sub}" if sub is not None else str(main)
        return f"Reference {number}" if reference else f"Material {number}"
    number = f"{main}－{sub}" if sub is not None else str(main)
    return f"参考資料{number}" if reference else f"資料{number}"


def label_sort_key(code: str | None) -> tuple[int, int, int]:
    """Main materials in number order, then reference materials, then unlabelled ones."""
    parsed = _parse(code) if code else None
    if parsed is None:
        return (2, 0, 0)
    reference, main, sub = parsed
    return (1 if reference else 0, main, sub or 0)


def live_items(items: Iterable[AgendaItem]) -> list[AgendaItem]:
    """The items that carry a number on the agenda."""
    return [i for i in items if i.number is not None]
