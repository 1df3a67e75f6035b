"""Subcommands typed in a Japanese IME: a full-width space after the subcommand, and the
subcommand itself in full-width letters, work in every command (handlers.runner.split_subcommand).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from handlers.runner import split_subcommand
from storage.models import AgendaItem, Decision, Note
from tests.handlers.test_decision import held_meeting_with_items
from tests.harness import U_MEMBER, U_SEC, Harness

IDEOGRAPHIC_SPACE = "\u3000"
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("list　M1", ("list", "M1")),
        ("ａｄｄ　議案　「件名」", ("add", "議案　「件名」")),
        ("ＡＤＤ 議案 件名", ("ADD", "議案 件名")),
        ("close\u3000\u3000D1  理由 ", ("close", "D1  理由")),
        ("help", ("help", "")),
        ("", ("", "")),
        ("　", ("", "")),
    ],
)
def test_split_subcommand_reads_the_word_through_nfkc_and_keeps_the_rest(
    text: str, expected: tuple[str, str]
) -> None:
    assert split_subcommand(text) == expected


def _titles(harness: Harness) -> list[str]:
    with harness.deps.session_factory() as s:
        return list(s.scalars(select(AgendaItem.title).order_by(AgendaItem.id)))


def test_agenda_and_materials_after_a_full_width_space(harness: Harness) -> None:
    harness.setup_body()
    meeting_id = harness.schedule()
    added = harness.command("/agenda", "ａｄｄ　議案　次期電話システムの選定について")
    assert "A1" in added.text, added.text
    upper = harness.command("/agenda", "ＡＤＤ　報告　（仮称）進捗について", user=U_MEMBER)
    assert "A2" in upper.text, upper.text
    # The rest is kept as typed: the full-width brackets of the title are the user's.
    assert _titles(harness) == ["次期電話システムの選定について", "（仮称）進捗について"]

    listing = harness.command("/agenda", f"list{IDEOGRAPHIC_SPACE}M{meeting_id}")
    text = "\n".join(b["text"]["text"] for b in listing.body["blocks"] if "text" in b)
    assert "次期電話システムの選定について" in text, listing.text

    materials = harness.command("/materials", f"ｌｉｓｔ{IDEOGRAPHIC_SPACE}M{meeting_id}")
    assert "第1回行政情報化推進本部 資料一覧" in materials.text, materials.text

    unknown = harness.command("/agenda", f"ｌｉｓｔｓ{IDEOGRAPHIC_SPACE}M{meeting_id}")
    assert "lists" in unknown.text and "/agenda add" in unknown.text


def test_minutes_note_after_a_full_width_space(harness: Harness) -> None:
    harness.setup_body()
    harness.schedule("2027-06-24", "11:00-12:00")
    assert "A1" in harness.command("/agenda", "add 議案 庁内ネットワーク更改について").text
    harness.clock.set(datetime(2027, 6, 24, 11, 0, tzinfo=TOKYO))
    assert harness.command("/meeting", "ｓｔａｒｔ").status == 200
    answer = harness.command("/minutes", f"note{IDEOGRAPHIC_SPACE}A1 本部長：承認する")
    assert answer.status == 200
    with harness.deps.session_factory() as s:
        notes = [(n.speaker, n.text, n.author_id) for n in s.scalars(select(Note))]
    assert notes == [("本部長", "承認する", U_SEC)], answer.text


def test_decision_close_after_a_full_width_space(harness: Harness) -> None:
    held_meeting_with_items(harness)
    recorded = harness.command(
        "/decision", f"議案1 再検討 owner=<@{U_MEMBER}> due=2027-06-30 費用比較を追加"
    )
    assert "D1" in recorded.text, recorded.text
    closed = harness.command("/decision", f"ｃｌｏｓｅ{IDEOGRAPHIC_SPACE}D1 ベンダー決定済み")
    assert "完了" in closed.text, closed.text
    with harness.deps.session_factory() as s:
        assert s.scalars(select(Decision.status)).all() == ["closed"]
