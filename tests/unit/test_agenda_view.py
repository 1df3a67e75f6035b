"""The agenda as Slack messages: groups, clock times, labels, both languages, Slack's limits."""

from __future__ import annotations

from datetime import date

from bot import agenda, agenda_changes, materials
from bot.agenda_view import (
    agenda_chunks,
    agenda_rows,
    agenda_sheet,
    materials_chunks,
    meeting_has_non_public,
    pack_messages,
)
from bot.deps import Deps
from tests.unit.test_agenda import CAL, SEC, TOKYO, make_body, make_meeting, submit


def _sheet_text(deps: Deps, lang: str, *, public_only: bool = False) -> str:
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
        item = submit(
            s,
            meeting,
            "proposal",
            "電話",
            now,
            time_box_minutes=50,
            private=True,
            presenter="人事課",
        )
        confirm = submit(s, meeting, "confirm", "予定", now)
        target = agenda.get_item(s, item.item.id)
        for title in ("概要", "比較"):
            materials.add_material(s, target, title=title, actor=SEC, now=now, cal=CAL, tz=TOKYO)
        materials.add_material(
            s,
            agenda.get_item(s, confirm.item.id),
            title="内部メモ",
            private=True,
            actor=SEC,
            now=now,
            cal=CAL,
            tz=TOKYO,
        )
        sheet = agenda_sheet(s, meeting.id, CAL, TOKYO)
    return "\n".join(agenda_chunks(sheet, lang, TOKYO, public_only=public_only))


def test_japanese_agenda_groups_times_and_labels(deps: Deps) -> None:
    text = _sheet_text(deps, "ja")
    assert text.index("*確認事項*") < text.index("*議案*") < text.index("*報告事項*")
    # The confirmation has no time box: the clock stops there, so later items show none,
    # and its own start time is not followed by an empty 「（分）」.
    assert "（1）予定" in text and "11:00～　" in text and "（分）" not in text
    assert "資料2－1　概要" in text and "資料2－2　比較" in text and "【非公開】" in text
    assert "資料1　内部メモ（非公開）" in text and "説明: 人事課" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text


def test_english_agenda(deps_en: Deps) -> None:
    text = _sheet_text(deps_en, "en")
    assert "*Confirmation*" in text and "*Proposals*" in text and "*Reports*" in text
    assert "Material 2-1 — 概要" in text and "[non-public]" in text
    assert "presented by 情報管理課" in text
    assert "( min)" not in text and "11:00– · A" in text


def test_public_version_names_no_private_item_or_material(deps: Deps) -> None:
    text = _sheet_text(deps, "ja", public_only=True)
    # The private proposal keeps its number and reference; nothing else of it is told.
    assert "（1）（非公開）" in text and "A2" in text
    for secret in ("電話", "人事課", "概要", "比較", "内部メモ", "【非公開】"):
        assert secret not in text
    assert "資料2－1　（非公開）" in text and "資料1　（非公開）" in text
    # Public items are shown in full.
    assert "（1）予定" in text and "説明: 情報管理課" in text


def test_public_version_in_english(deps_en: Deps) -> None:
    text = _sheet_text(deps_en, "en", public_only=True)
    assert "(1) (non-public)" in text and "電話" not in text and "[non-public]" not in text


def test_every_item_of_a_non_public_meeting_is_hidden(deps: Deps) -> None:
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        meeting = make_meeting(s, make_body(s, now), date(2027, 6, 24), now)
        meeting.minutes_disclosure = "partial"
        kept = submit(s, meeting, "proposal", "公開扱いの議案", now, presenter="総務課")
        off = submit(s, meeting, "report", "取り下げた報告", now)
        agenda_changes.reject_item(
            s, agenda.get_item(s, off.item.id), "人事の都合", actor=SEC, now=now
        )
        materials.add_material(
            s, agenda.get_item(s, kept.item.id), title="添付", actor=SEC, now=now, cal=CAL, tz=TOKYO
        )
        s.flush()
        sheet = agenda_sheet(s, meeting.id, CAL, TOKYO)
        rows = agenda_rows(s, meeting, "ja", public_only=True)
        full_rows = agenda_rows(s, meeting, "ja", public_only=False)
        register = "\n".join(materials_chunks(s, meeting.id, "ja", TOKYO, public_only=True))
        assert meeting_has_non_public(s, meeting)
    public = "\n".join(agenda_chunks(sheet, "ja", TOKYO, public_only=True))
    full = "\n".join(agenda_chunks(sheet, "ja", TOKYO, public_only=False))
    for secret in ("公開扱いの議案", "総務課", "取り下げた報告", "人事の都合", "添付"):
        assert secret not in public and secret not in register
        assert secret in full
    assert "（1）（非公開）" in public and f"A{off.item.id}" in public
    assert [r.hidden for r in rows] == [True] and rows[0].materials[0].title == "（非公開）"
    assert [r.title for r in full_rows] == ["公開扱いの議案"]


def test_materials_register_public_version(deps: Deps) -> None:
    now = deps.clock.now()
    with deps.unit_of_work() as s:
        meeting = make_meeting(s, make_body(s, now), date(2027, 6, 24), now)
        public = submit(s, meeting, "proposal", "公開の議案", now)
        closed = submit(s, meeting, "proposal", "非公開の議案", now, private=True)
        for item, title, private in (
            (public, "公開資料", False),
            (public, "内部資料", True),
            (closed, "非公開議案の資料", False),
        ):
            materials.add_material(
                s,
                agenda.get_item(s, item.item.id),
                title=title,
                private=private,
                actor=SEC,
                now=now,
                cal=CAL,
                tz=TOKYO,
            )
        hidden = "\n".join(materials_chunks(s, meeting.id, "ja", TOKYO, public_only=True))
        full = "\n".join(materials_chunks(s, meeting.id, "ja", TOKYO, public_only=False))
    assert "公開資料" in hidden and "内部資料" not in hidden and "非公開議案の資料" not in hidden
    assert hidden.count("（非公開）") == 2
    assert "内部資料（非公開）" in full and "非公開議案の資料" in full


def test_pack_messages_keeps_pieces_whole_and_within_limits() -> None:
    chunks = [f"item {n} " + "x" * 900 for n in range(200)] + ["y" * 7000]
    messages = pack_messages(chunks)
    sections = [b["text"]["text"] for m in messages for b in m.blocks]
    assert all(len(m.blocks) <= 50 for m in messages) and len(messages) >= 2
    assert all(len(s) <= 3000 for s in sections)
    joined = "\n".join(sections)
    assert all(f"item {n} " + "x" * 900 in joined for n in range(200))
    assert all(len(m.text) <= 3000 for m in messages)
