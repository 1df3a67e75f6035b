"""The values a minutes template sees: frozen, already in the minutes' language.

Built by :func:`bot.minutes.context.build_context`; templates reach them as ``meeting``,
``attendees``, ``absent``, ``agenda``, ``items``, ``materials``, ``labels`` ….
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class MeetingInfo:
    """The header of the form: 名称, 事務局（担当課）, 開催日時, 開催場所, 公開の可否."""

    ref: str
    title: str
    fiscal_year: str
    number: int | None
    body_name: str
    secretariat_dept: str
    date: str
    time_range: str
    when: str
    place: str
    disclosure: str
    disclosure_label: str
    disclosure_reason: str
    minutes_disclosure: str
    minutes_disclosure_label: str
    minutes_disclosure_reason: str
    started_at: str
    ended_at: str


@dataclass(frozen=True)
class AttendeeGroup:
    """出席者 of one role group (部員 — chair, vice chair and members — or 事務局)."""

    key: str
    label: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class NoteLine:
    """「役職：発言」."""

    speaker: str
    text: str


@dataclass(frozen=True)
class DecisionLine:
    """The outcome of an item: 「―議題について案のとおり承認―」 and what goes with it."""

    ref: str
    outcome: str
    outcome_line: str
    text: str
    owner: str
    due: str
    pending: bool


@dataclass(frozen=True)
class MaterialLine:
    """One line of 提出された資料等: 資料3－1 次期電話システムの選定について（概要）."""

    label: str
    title: str
    url: str
    reference: bool
    item_ref: str


@dataclass(frozen=True)
class ItemMinutes:
    """One agenda item in the minutes; ``hidden`` items carry only their heading."""

    ref: str
    kind: str
    kind_label: str
    number: int
    number_label: str
    heading: str
    code: str
    title: str
    presenter: str
    summary: str
    hidden: bool
    private: bool
    notes: tuple[NoteLine, ...]
    decision: DecisionLine | None
    materials: tuple[MaterialLine, ...]


@dataclass(frozen=True)
class AgendaGroup:
    """議題 of one kind: 確認事項, 議案 or 報告事項."""

    kind: str
    label: str
    items: tuple[ItemMinutes, ...]


@dataclass(frozen=True)
class MinutesContext:
    """Everything a minutes template may print."""

    lang: str
    public: bool
    version: int
    meeting: MeetingInfo
    chair: str
    attendees: tuple[AttendeeGroup, ...]
    absent: tuple[str, ...]
    agenda: tuple[AgendaGroup, ...]
    items: tuple[ItemMinutes, ...]
    materials: tuple[MaterialLine, ...]
    labels: dict[str, Any]
    generated_at: str

    def template_vars(self) -> dict[str, Any]:
        """The context as template variables (``meeting``, ``items``, ``labels`` …)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Protection:
    """Why a meeting's full minutes are not public (empty reasons: they are)."""

    reasons: tuple[str, ...]

    @property
    def protected(self) -> bool:
        return bool(self.reasons)
