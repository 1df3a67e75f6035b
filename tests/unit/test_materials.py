"""The materials register on a real database: 資料N / 資料N－k / 参考資料N, frozen at lock."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session

from bot import agenda, agenda_changes, agenda_deadlines, materials, meetings
from bot.deps import Deps
from bot.errors import Forbidden, UserError
from bot.numbering import format_label
from storage.models import Meeting
from tests.unit.test_agenda import CAL, MEMBER, OTHER, SEC, TOKYO, make_body, make_meeting, submit

# The reference minutes (令和6年度第1回): items, and the materials of each in order.
REFERENCE = [
    ("confirm", "今年度の開催予定等について", ["今年度の開催予定等"]),
    (
        "proposal",
        "行政手続きのオンライン化におけるスケジュール変更について",
        ["行政手続きのオンライン化におけるスケジュール変更について"],
    ),
    (
        "proposal",
        "次期電話システムの選定について",
        [
            "次期電話システムの選定について（概要）",
            "各システムの比較一覧",
            "各システムの運用経費内訳",
        ],
    ),
    (
        "report",
        "システム標準化の進捗について",
        [
            "標準化全体進捗状況（工程表）",
            "移行困難システムの今後の取扱い",
            "共通機能等における事業者選定状況",
        ],
    ),
    (
        "report",
        "次期統合運用管理事業者の選定について",
        ["次期統合運用管理事業者の選定について", "次期統合運用管理事業者の選定スケジュール"],
    ),
    ("report", "GovTech東京との連携について", ["GovTech東京の協働事業について"]),
]
EXPECTED = [
    ("資料1", "今年度の開催予定等"),
    ("資料2", "行政手続きのオンライン化におけるスケジュール変更について"),
    ("資料3-1", "次期電話システムの選定について（概要）"),
    ("資料3-2", "各システムの比較一覧"),
    ("資料3-3", "各システムの運用経費内訳"),
    ("資料4-1", "標準化全体進捗状況（工程表）"),
    ("資料4-2", "移行困難システムの今後の取扱い"),
    ("資料4-3", "共通機能等における事業者選定状況"),
    ("資料5-1", "次期統合運用管理事業者の選定について"),
    ("資料5-2", "次期統合運用管理事業者の選定スケジュール"),
    ("資料6", "GovTech東京の協働事業について"),
]


def add(
    s: Session, item_id: int, title: str, now: datetime, **kw: object
) -> materials.MaterialView:
    return materials.add_material(
        s,
        agenda.get_item(s, item_id),
        title=title,
        actor=kw.pop("actor", SEC),  # type: ignore[arg-type]
        now=now,
        cal=CAL,
        tz=TOKYO,
        **kw,  # type: ignore[arg-type]
    )


def register(s: Session, meeting: Meeting, lang: str = "ja") -> list[tuple[str, str]]:
    return [
        (unicodedata.normalize("NFKC", m.label(lang)), m.title)
        for m in materials.materials_register(s, meeting)
    ]


def enter_reference(s: Session, meeting: Meeting, now: datetime) -> dict[str, int]:
    """Items in a shuffled order, one withdrawn and entered again; materials interleaved."""
    ids: dict[str, int] = {}
    for index in (5, 3, 1, 0, 4, 2):
        kind, title, _ = REFERENCE[index]
        ids[title] = submit(s, meeting, kind, title, now).item.id
    # Submission order decided the numbers; put the items in the reference order.
    for kind, title, _ in REFERENCE:
        same_kind = [t for k, t, _ in REFERENCE if k == kind]
        agenda_changes.move_item(
            s, agenda.get_item(s, ids[title]), same_kind.index(title) + 1, actor=SEC, now=now
        )
    withdrawn = REFERENCE[2][1]
    add(s, ids[withdrawn], "古い版", now)
    agenda_changes.withdraw_item(s, agenda.get_item(s, ids[withdrawn]), actor=SEC, now=now)
    ids[withdrawn] = submit(s, meeting, "proposal", withdrawn, now, position=2).item.id
    queues = [list(mats) for _, _, mats in REFERENCE]
    while any(queues):
        for index in (4, 0, 3, 5, 2, 1):
            if queues[index]:
                add(s, ids[REFERENCE[index][1]], queues[index].pop(0), now)
    return ids


def test_reference_meeting_numbers_its_materials_as_the_minutes_do(deps: Deps) -> None:
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        meeting = make_meeting(s, make_body(s, now), date(2027, 6, 24), now)
        ids = enter_reference(s, meeting, now)
        add(s, ids["次期電話システムの選定について"], "電話システム参考資料", now, reference=True)
        add(s, ids["今年度の開催予定等について"], "開催予定表", now, reference=True)
        assert register(s, meeting) == [
            *EXPECTED,
            ("参考資料1", "開催予定表"),
            ("参考資料2", "電話システム参考資料"),
        ]
        english = [label for label, _ in register(s, meeting, "en")]
        assert english[:3] == ["Material 1", "Material 2", "Material 3-1"]
        assert english[-1] == "Reference 2"


def test_japanese_labels_use_the_full_width_dash_of_the_minutes() -> None:
    assert format_label("3-1", "ja") == "資料3－1"
    assert unicodedata.normalize("NFKC", format_label("3-1", "ja")) == "資料3-1"
    assert format_label("6", "ja") == "資料6"
    assert format_label("R1", "ja") == "参考資料1"
    assert format_label("R1", "en") == "Reference 1"
    assert format_label(None, "ja") == ""


def test_withdrawing_an_item_renumbers_the_materials_after_it(deps: Deps) -> None:
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        meeting = make_meeting(s, make_body(s, now), date(2027, 6, 24), now)
        one = submit(s, meeting, "proposal", "一", now).item.id
        two = submit(s, meeting, "proposal", "二", now).item.id
        add(s, one, "一の資料", now)
        add(s, two, "二の資料A", now)
        add(s, two, "二の資料B", now)
        assert register(s, meeting) == [
            ("資料1", "一の資料"),
            ("資料2-1", "二の資料A"),
            ("資料2-2", "二の資料B"),
        ]
        agenda_changes.withdraw_item(s, agenda.get_item(s, one), actor=SEC, now=now)
        assert register(s, meeting) == [("資料1-1", "二の資料A"), ("資料1-2", "二の資料B")]


def test_labels_are_frozen_at_lock_and_later_ones_come_after(deps: Deps) -> None:
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        meeting = make_meeting(s, make_body(s, now), date(2027, 6, 24), now)
        one = submit(s, meeting, "proposal", "一", now).item.id
        two = submit(s, meeting, "proposal", "二", now).item.id
        three = submit(s, meeting, "report", "三", now).item.id
        add(s, one, "A", now)
        add(s, two, "B", now)
        agenda_deadlines.lock_agenda(s, meeting, actor=SEC, now=now)
        agenda_changes.withdraw_item(s, agenda.get_item(s, one), actor=SEC, now=now)
        add(s, two, "B2", now)
        add(s, three, "C", now)
        add(s, one, "R", now, reference=True)
        assert register(s, meeting) == [
            ("資料1", "A"),
            ("資料2", "B"),
            ("資料2-2", "B2"),
            ("資料3", "C"),
            ("参考資料1", "R"),
        ]


def test_members_add_materials_only_to_their_own_items(deps: Deps) -> None:
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        meeting = make_meeting(s, make_body(s, now), date(2027, 6, 24), now)
        mine = submit(s, meeting, "report", "自分の議題", now, MEMBER).item.id
        added = add(
            s, mine, "資料", now, actor=MEMBER, private=True, url="<https://example.jp/a.pdf>"
        )
        assert (added.code, added.private, added.url) == ("1", True, "https://example.jp/a.pdf")
        with pytest.raises(Forbidden) as refused:
            add(s, mine, "他人の資料", now, actor=OTHER)
        assert refused.value.key == "perm.own_items_only"
        with pytest.raises(UserError) as bad:
            add(s, mine, "リンク", now, actor=MEMBER, url="javascript:alert(1)")
        assert bad.value.key == "materials.bad_url"
        agenda_changes.withdraw_item(s, agenda.get_item(s, mine), actor=MEMBER, now=now)
        with pytest.raises(UserError) as off:
            add(s, mine, "遅い資料", now, actor=MEMBER)
        assert off.value.key == "materials.item_not_on_agenda"


def test_files_shared_in_an_item_thread_become_its_materials_once(deps: Deps) -> None:
    now = deps.clock.now()
    files = [
        {"id": "F0001", "name": "資料1.pdf", "title": "資料1.pdf", "permalink": "https://x/F0001"},
        {"id": "F0002", "name": "a.xlsx", "title": "比較一覧", "permalink": "https://x/F0002"},
    ]
    with deps.unit_of_work() as s:
        meeting = make_meeting(s, make_body(s, now), date(2027, 6, 24), now)
        item_id = submit(s, meeting, "proposal", "電話", now, MEMBER).item.id
        agenda.set_thread(s, item_id, "C0MAIN", "1700000000.000100")
    for _ in range(2):  # a retried event registers nothing new
        with deps.unit_of_work() as s:
            added = materials.add_files_from_thread(
                s,
                channel="C0MAIN",
                thread_ts="1700000000.000100",
                files=files,
                user_id="U0MEMBER",
                now=now,
            )
            assert [(m.title, m.file_id, m.code) for m in added] == [
                ("資料1", "F0001", "1-1"),
                ("比較一覧", "F0002", "1-2"),
            ]
    with deps.unit_of_work() as s:
        assert len(materials.materials_of_item(s, agenda.get_item(s, item_id))) == 2
        assert (
            materials.add_files_from_thread(
                s, channel="C0MAIN", thread_ts="1.2", files=files, user_id="U0MEMBER", now=now
            )
            == []
        )
        with pytest.raises(Forbidden):
            materials.add_files_from_thread(
                s,
                channel="C0MAIN",
                thread_ts="1700000000.000100",
                files=[{"id": "F0003", "name": "x.pdf"}],
                user_id="U0OTHER",
                now=now,
            )


def test_carry_takes_the_materials_and_their_files_along(deps: Deps) -> None:
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        body = make_body(s, now)
        first = make_meeting(s, body, date(2027, 6, 24), now)
        later = make_meeting(s, body, date(2027, 9, 22), now)
        submit(s, later, "proposal", "既存", now)
        item_id = submit(s, first, "proposal", "繰越し", now).item.id
        agenda.set_thread(s, item_id, "C0MAIN", "1.1")
        materials.add_files_from_thread(
            s,
            channel="C0MAIN",
            thread_ts="1.1",
            files=[{"id": "F9", "name": "f.pdf"}],
            user_id="U0SEC",
            now=now,
        )
        add(s, item_id, "別紙", now)
        _, new = agenda_changes.carry_item(
            s, agenda.get_item(s, item_id), later, actor=SEC, now=now, cal=CAL, tz=TOKYO
        )
        assert new.number == 2
        assert register(s, later) == [("資料1-1", "f"), ("資料1-2", "別紙")]
        assert register(s, first) == []
        moved = materials.materials_of_item(s, agenda.get_item(s, new.id))
        assert moved[0].file_id == "F9"
        assert meetings.get_meeting(s, first.id).id == first.id
