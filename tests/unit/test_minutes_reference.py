"""The reference meeting (令和6年度 第1回 豊島区行政情報化推進本部), rebuilt through services.

Shared by the minutes and notes tests: six items, the materials 資料1 … 資料6, notes, and the
two decisions of the reference minutes, moved to a meeting on 2027-06-24 11:00–12:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from bot import agenda, bodies, decisions, materials, meetings, notes
from bot.deps import Deps
from bot.meetings import Schedule
from bot.permissions import Actor
from storage.models import AgendaItem, Meeting
from tests.conftest import TOKYO

SEC, CHAIR, VICE, MEMBER, OTHER = "U0SEC", "U0CHAIR", "U0VICE", "U0MEMBER", "U0OTHER"
BODY = "行政情報化推進本部"
REASON = "行政機関における政策意思決定過程途上に位置付けられる会議であるため"
MINUTES_REASON = "行政機関における政策意思決定過程途上に位置づけられる内容を含むため"

ITEMS: tuple[tuple[str, str, str | None, str | None, tuple[str, ...]], ...] = (
    (
        "confirm",
        "今年度の開催予定等について",
        None,
        "本会議を9月に開催し、その前に両部会も開く予定である。",
        ("今年度の開催予定等",),
    ),
    (
        "proposal",
        "行政手続きのオンライン化におけるスケジュール変更について",
        "事務局",
        "令和7年4月から運用開始に延期したい。",
        ("行政手続きのオンライン化におけるスケジュール変更について",),
    ),
    (
        "proposal",
        "次期電話システムの選定について",
        "事務局",
        "2025年10月に現行サービスが終了となるため、新しいシステムの導入が必要。",
        (
            "次期電話システムの選定について（概要）",
            "各システムの比較一覧",
            "各システムの運用経費内訳",
        ),
    ),
    (
        "report",
        "システム標準化の進捗について",
        None,
        None,
        (
            "標準化全体進捗状況（工程表）",
            "移行困難システムの今後の取扱い",
            "共通機能等における事業者選定状況",
        ),
    ),
    (
        "report",
        "次期統合運用管理事業者の選定について",
        None,
        None,
        ("次期統合運用管理事業者の選定について", "次期統合運用管理事業者の選定スケジュール"),
    ),
    ("report", "GovTech東京との連携について", None, None, ("GovTech東京の協働事業について",)),
)


@dataclass(frozen=True)
class Reference:
    meeting_id: int
    item_ids: tuple[int, ...]


def local(hour: int, minute: int, day: date = date(2027, 6, 24)) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TOKYO)


def build_reference(
    deps: Deps, *, private_item: bool = True, end: bool = True, with_notes: bool = True
) -> Reference:
    """The reference meeting; 議案2 is the non-public item unless ``private_item`` is False."""
    sec = Actor(SEC)
    now = deps.clock.now()
    cal, tz = deps.calendar, deps.config.tz
    with deps.unit_of_work() as s:
        bodies.setup_body(
            s,
            name=BODY,
            channel_id="C0MAIN",
            actor=sec,
            now=now,
            secretariat="政策経営部情報管理課",
            place="庁議室（本庁舎5階）",
        )
        body = bodies.find_body(s, BODY)
        for user, role, title in (
            (CHAIR, "chair", "副区長"),
            (VICE, "vice_chair", "政策経営部長"),
            (MEMBER, "member", "総務部長"),
            (OTHER, "member", "区民部長"),
            (SEC, "secretariat", "情報担当係長（管理）"),
        ):
            bodies.set_member(s, body, user_id=user, role=role, title=title, actor=sec, now=now)
        view = meetings.schedule_meeting(
            s,
            body,
            Schedule(date(2027, 6, 24), time(11, 0), time(12, 0)),
            actor=sec,
            now=now,
            tz=tz,
            fy_start_month=4,
            disclosure="closed",
            reason=REASON,
            minutes_disclosure="partial",
            minutes_reason=MINUTES_REASON,
        )
        meeting = meetings.get_meeting(s, view.id)
        ids: list[int] = []
        for kind, title, presenter, summary, docs in ITEMS:
            sub = agenda.Submission(
                kind=kind,
                title=title,
                presenter=presenter,
                summary=summary,
                private=private_item and title.startswith("次期電話"),
            )
            item_id = agenda.submit_item(
                s, meeting, sub, actor=sec, now=now, cal=cal, tz=tz
            ).item.id
            item = s.get(AgendaItem, item_id)
            assert item is not None
            for doc in docs:
                materials.add_material(s, item, title=doc, actor=sec, now=now, cal=cal, tz=tz)
            ids.append(item_id)
        meetings.record_attendance(s, view.id, OTHER, "absent", now)
    deps.clock.set(local(11, 0))
    with deps.unit_of_work() as s:
        meeting = meetings.get_meeting(s, view.id)
        meetings.start_meeting(s, meeting, actor=sec, now=deps.clock.now())
    if with_notes:
        deps.clock.set(local(11, 20))
        with deps.unit_of_work() as s:
            first, second = (s.get(AgendaItem, i) for i in ids[1:3])
            assert first is not None and second is not None
            later = deps.clock.now()
            notes.add_note(
                s,
                first,
                "本部長：延期することでオンライン化300件という目標を達成できないことはあるか。",
                author_id=SEC,
                now=later,
            )
            notes.add_note(s, first, "無いと考えている。", author_id=SEC, now=later)
            notes.add_note(
                s, first, "電子契約書について10月から検討している。", author_id=MEMBER, now=later
            )
            notes.add_note(
                s,
                second,
                "本部長：もう一度政経部で練って判断することにする。",
                author_id=SEC,
                now=later,
            )
            for item, outcome in ((first, "approved"), (second, "reexamine")):
                decisions.record_decision(
                    s, item, outcome, actor=sec, now=later, today=later.date()
                )
    if end:
        deps.clock.set(local(11, 58))
        with deps.unit_of_work() as s:
            meeting = meetings.get_meeting(s, view.id)
            meetings.end_meeting(s, meeting, actor=sec, now=deps.clock.now())
    return Reference(view.id, tuple(ids))


def meeting_of(deps: Deps, meeting_id: int) -> Meeting:
    with deps.session_factory() as s:
        found = s.get(Meeting, meeting_id)
        assert found is not None
        return found
