"""The agenda as Slack messages: groups, clock times, labels, both languages, Slack's limits."""

from __future__ import annotations

from datetime import date

from bot import agenda, materials
from bot.agenda_view import agenda_chunks, agenda_sheet, pack_messages
from bot.deps import Deps
from tests.unit.test_agenda import CAL, SEC, TOKYO, make_body, make_meeting, submit


def _sheet_text(deps: Deps, lang: str) -> str:
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        meeting = make_meeting(s, make_body(s, now), date(2027, 6, 24), now)
        submit(
            s,
            meeting,
            "report",
            "標準化 <!channel>",
            now,
            presenter="情報管理課",
            time_box_minutes=10,
        )
        item = submit(s, meeting, "proposal", "電話", now, time_box_minutes=50, private=True)
        submit(s, meeting, "confirm", "予定", now)
        target = agenda.get_item(s, item.item.id)
        for title in ("概要", "比較"):
            materials.add_material(s, target, title=title, actor=SEC, now=now, cal=CAL, tz=TOKYO)
        sheet = agenda_sheet(s, meeting.id, CAL, TOKYO)
    return "\n".join(agenda_chunks(sheet, lang, TOKYO))


def test_japanese_agenda_groups_times_and_labels(deps: Deps) -> None:
    text = _sheet_text(deps, "ja")
    assert text.index("*確認事項*") < text.index("*議案*") < text.index("*報告事項*")
    # The confirmation has no time box: the clock stops there, so later items show none.
    assert "（1）予定" in text and "11:00～" in text
    assert "資料1－1　概要" in text and "資料1－2　比較" in text and "【非公開】" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text


def test_english_agenda(deps_en: Deps) -> None:
    text = _sheet_text(deps_en, "en")
    assert "*Confirmation*" in text and "*Proposals*" in text and "*Reports*" in text
    assert "Material 1-1 — 概要" in text and "[non-public]" in text
    assert "presented by 情報管理課" in text


def test_pack_messages_keeps_pieces_whole_and_within_limits() -> None:
    chunks = [f"item {n} " + "x" * 900 for n in range(200)] + ["y" * 7000]
    messages = pack_messages(chunks)
    sections = [b["text"]["text"] for m in messages for b in m.blocks]
    assert all(len(m.blocks) <= 50 for m in messages) and len(messages) >= 2
    assert all(len(s) <= 3000 for s in sections)
    joined = "\n".join(sections)
    assert all(f"item {n} " + "x" * 900 in joined for n in range(200))
    assert all(len(m.text) <= 3000 for m in messages)
