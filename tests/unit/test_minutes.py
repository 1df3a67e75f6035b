"""Minutes drafts on a real database: the reference form, the public version, versions,
templates (operators' first, sandboxed) and user text kept as data."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select

from bot import bodies, notes
from bot.deps import Deps
from bot.errors import Forbidden, UserError
from bot.i18n import t
from bot.minutes.context import protection
from bot.minutes.drafts import Draft, DraftSettings, make_draft
from bot.permissions import Actor
from storage.models import AgendaItem, Meeting, MinutesDraft
from tests.unit.test_minutes_reference import (
    MINUTES_REASON,
    REASON,
    SEC,
    build_reference,
)

FULL_ORDER = (
    "附属機関又は会議体の名称",
    "令和9年度 第1回行政情報化推進本部",
    "事務局（担当課）",
    "政策経営部情報管理課",
    "開催日時",
    "令和9年6月24日（木） 11:00～11:58",
    "開催場所",
    "庁議室（本庁舎5階）",
    "議題",
    "確認事項",
    "（1）今年度の開催予定等について",
    "議案",
    "（1）行政手続きのオンライン化におけるスケジュール変更について",
    "（2）次期電話システムの選定について",
    "報告事項",
    "（1）システム標準化の進捗について",
    "（2）次期統合運用管理事業者の選定について",
    "（3）GovTech東京との連携について",
    "公開の可否",
    "会議　□公開 ■非公開 □一部非公開",
    REASON,
    "会議録　□公開 □非公開 ■一部非公開",
    MINUTES_REASON,
    "出席者",
    "部員：副区長（本部長）、政策経営部長（副本部長）、総務部長",
    "事務局：情報担当係長（管理）",
    "欠席：区民部長",
    "本部長：令和9年度 第1回行政情報化推進本部を開催します。",
    "確認事項（1）今年度の開催予定等について",
    "要旨：本会議を9月に開催し",
    "議案（1）行政手続きのオンライン化におけるスケジュール変更について",
    "〔事務局：「【議案1】行政手続きのオンライン化におけるスケジュール変更について」を説明〕",
    "要旨：令和7年4月から運用開始に延期したい。",
    "本部長：延期することでオンライン化300件という目標を達成できないことはあるか。",
    "事務局：無いと考えている。",
    "部員：電子契約書について10月から検討している。",
    "―議題について案のとおり承認―",
    "議案（2）次期電話システムの選定について",
    "〔事務局：「【議案2】次期電話システムの選定について」を説明〕",
    "本部長：もう一度政経部で練って判断することにする。",
    "―議題について再検討―",
    "報告（1）システム標準化の進捗について",
    "報告（2）次期統合運用管理事業者の選定について",
    "報告（3）GovTech東京との連携について",
    "〔11:58 終了〕",
    "提出された資料等",
    "資料1　今年度の開催予定等",
    "資料2　行政手続きのオンライン化におけるスケジュール変更について",
    "資料3－1　次期電話システムの選定について（概要）",
    "資料3－2　各システムの比較一覧",
    "資料3－3　各システムの運用経費内訳",
    "資料4－1　標準化全体進捗状況（工程表）",
    "資料4－2　移行困難システムの今後の取扱い",
    "資料4－3　共通機能等における事業者選定状況",
    "資料5－1　次期統合運用管理事業者の選定について",
    "資料5－2　次期統合運用管理事業者の選定スケジュール",
    "資料6　GovTech東京の協働事業について",
)


def assert_in_order(text: str, parts: tuple[str, ...]) -> None:
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} missing after position {position}:\n{text[position:][:400]}"
        position = found + len(part)


def docx_text(data: bytes) -> str:
    """Every paragraph of the document in order, tables included (python-docx reads it)."""
    document = Document(io.BytesIO(data))
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append("".join(t.text or "" for t in block.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            for row in block.iter():
                if row.tag.endswith("}p"):
                    lines.append("".join(t.text or "" for t in row.iter() if t.tag.endswith("}t")))
    return "\n".join(lines)


def settings(deps: Deps, templates_dir: Path | None = None) -> DraftSettings:
    return DraftSettings(lang=deps.lang, tz=deps.config.tz, templates_dir=templates_dir)


def draft(deps: Deps, meeting_id: int, **kwargs: object) -> Draft:
    templates_dir = kwargs.pop("templates_dir", None)
    user = str(kwargs.pop("user", SEC))
    with deps.unit_of_work() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        return make_draft(
            s,
            meeting,
            actor=Actor(user),
            now=deps.clock.now(),
            settings=settings(deps, templates_dir),  # type: ignore[arg-type]
            **kwargs,  # type: ignore[arg-type]
        )


def test_reference_minutes_have_every_field_in_the_forms_order(deps: Deps) -> None:
    ref = build_reference(deps)
    result = draft(deps, ref.meeting_id)
    assert_in_order(result.markdown, FULL_ORDER)
    assert (result.version, result.public, result.items, result.decisions) == (1, False, 6, 2)
    assert result.filename == f"minutes-M{ref.meeting_id}-v1"


def test_reference_docx_reads_back_with_the_same_content(deps: Deps) -> None:
    ref = build_reference(deps)
    result = draft(deps, ref.meeting_id)
    assert result.docx[:2] == b"PK"
    text = docx_text(result.docx)
    assert_in_order(text, ("会 議 録", *FULL_ORDER))
    table = Document(io.BytesIO(result.docx)).tables[0]
    labels = [row.cells[0].text for row in table.rows]
    assert labels == [
        "附属機関又は会議体の名称",
        "事務局（担当課）",
        "開催日時",
        "開催場所",
        "議題",
        "公開の可否",
        "出席者",
    ]
    assert "{%" not in text and "{{" not in text


def test_public_version_hides_the_non_public_item_its_notes_and_materials(deps: Deps) -> None:
    ref = build_reference(deps)
    result = draft(deps, ref.meeting_id, public=True)
    for text in (result.markdown, docx_text(result.docx)):
        assert "（2）（非公開）" in text
        assert "議案（2）（非公開）" in text
        for secret in ("次期電話", "各システムの比較一覧", "政経部で練って", "再検討", "資料3－1"):
            assert secret not in text, secret
        assert_in_order(
            text,
            ("―議題について案のとおり承認―", "〔11:58 終了〕", "資料2", "資料4－1", "資料6"),
        )
    assert result.public and not result.published


def test_closed_minutes_show_every_item_as_non_public(deps: Deps) -> None:
    ref = build_reference(deps, private_item=False)
    with deps.unit_of_work() as s:
        meeting = s.get(Meeting, ref.meeting_id)
        assert meeting is not None
        meeting.minutes_disclosure = "closed"
    text = draft(deps, ref.meeting_id, public=True).markdown
    assert text.count("（非公開）") >= 12  # six in the agenda, six headings
    assert "延期" not in text and "今年度の開催予定等" not in text


def test_protection_names_every_reason(deps: Deps) -> None:
    ref = build_reference(deps, with_notes=False, end=False)
    with deps.unit_of_work() as s:
        meeting = s.get(Meeting, ref.meeting_id)
        assert meeting is not None
        reasons = protection(s, meeting, "ja").reasons
        assert reasons == ("会議: 非公開", "会議録: 一部非公開", "非公開の議題・資料あり")
        en = protection(s, meeting, "en").reasons
        assert en == ("meeting: closed", "minutes: partly closed", "non-public items or materials")
        meeting.disclosure = meeting.minutes_disclosure = "public"
        for item in s.scalars(select(AgendaItem)):
            item.private = False
        assert not protection(s, meeting, "ja").protected


def test_versions_count_up_and_publishing_is_recorded(deps: Deps) -> None:
    ref = build_reference(deps)
    assert draft(deps, ref.meeting_id).version == 1
    assert draft(deps, ref.meeting_id).version == 2
    published = draft(deps, ref.meeting_id, publish=True)
    assert (published.version, published.public, published.published) == (3, True, True)
    with deps.session_factory() as s:
        rows = s.scalars(select(MinutesDraft).order_by(MinutesDraft.version)).all()
        assert [(r.version, r.public, r.published) for r in rows] == [
            (1, False, False),
            (2, False, False),
            (3, True, True),
        ]
        assert "（非公開）" in rows[2].markdown and "次期電話" in rows[0].markdown


def test_only_the_secretariat_drafts(deps: Deps) -> None:
    ref = build_reference(deps, with_notes=False)
    with pytest.raises(Forbidden):
        draft(deps, ref.meeting_id, user="U0MEMBER")
    with deps.session_factory() as s:
        assert s.scalars(select(MinutesDraft)).all() == []


def test_note_text_is_data_never_template_code(deps: Deps) -> None:
    ref = build_reference(deps)
    hostile = "{{ 7*7 }} <!channel> {% for x in range(3) %}x{% endfor %} & {_{ y }_}"
    with deps.unit_of_work() as s:
        item = s.get(AgendaItem, ref.item_ids[0])
        assert item is not None
        notes.add_note(s, item, hostile, author_id=SEC, now=deps.clock.now())
    result = draft(deps, ref.meeting_id)
    assert "{{ 7*7 }} <!channel> {% for x in range(3) %}x{% endfor %} &" in result.markdown
    assert "49" not in result.markdown
    text = docx_text(result.docx)
    assert "{{ 7*7 }} <!channel> {% for x in range(3) %}x{% endfor %} &" in text
    assert "49" not in text and "xxx" not in text


def test_english_template_carries_the_same_content(deps: Deps) -> None:
    ref = build_reference(deps)
    result = draft(deps, ref.meeting_id, template="en")
    expected = (
        "Name of the body",
        "FY2027 Meeting No. 1 of 行政情報化推進本部",
        "Secretariat (department)",
        "Date and time",
        "2027-06-24 (Thu) 11:00–11:58",
        "Place",
        "Agenda",
        "Items for confirmation",
        "Proposals",
        "Reports",
        "Disclosure",
        "Meeting: [ ] public  [x] closed  [ ] partly closed",
        REASON,
        "Minutes: [ ] public  [ ] closed  [x] partly closed",
        "Attendees",
        "Members: 副区長 (Chair), 政策経営部長 (Vice chair), 総務部長",
        "Absent: 区民部長",
        "Proposal (1) 行政手続きのオンライン化におけるスケジュール変更について",
        "本部長: 延期することで",  # the speaker as the note named them
        "Secretariat: 無いと考えている。",
        "Member: 電子契約書",
        "— Approved as proposed —",
        "— To be re-examined —",
        "[Closed at 11:58]",
        "Materials submitted",
        "Material 3-1: 次期電話システムの選定について（概要）",
        "Material 6: GovTech東京の協働事業について",
    )
    assert_in_order(result.markdown, expected)
    assert_in_order(docx_text(result.docx), expected)


def test_body_template_setting_chooses_the_template(deps: Deps) -> None:
    ref = build_reference(deps, with_notes=False)
    with deps.unit_of_work() as s:
        body = bodies.find_body(s, "行政情報化推進本部")
        bodies.configure(s, body, {"template": "en"}, actor=Actor(SEC), now=deps.clock.now())
    result = draft(deps, ref.meeting_id)
    assert result.template == "en" and "Name of the body" in result.markdown


def test_operator_templates_come_first_and_render_in_the_sandbox(
    deps: Deps, tmp_path: Path
) -> None:
    ref = build_reference(deps, with_notes=False)
    (tmp_path / "minutes").mkdir()
    (tmp_path / "minutes" / "ja.md.j2").write_text("独自様式 {{ meeting.title }}\n", "utf-8")
    (tmp_path / "toshima.md.j2").write_text("豊島 {{ items | length }}\n", "utf-8")
    (tmp_path / "evil.md.j2").write_text("{{ meeting.__class__.__init__.__globals__ }}\n", "utf-8")
    own = draft(deps, ref.meeting_id, templates_dir=tmp_path)
    assert own.markdown == "独自様式 令和9年度 第1回行政情報化推進本部\n"
    assert own.docx[:2] == b"PK"  # no toshima/ja .docx of its own: the built-in one
    assert draft(deps, ref.meeting_id, templates_dir=tmp_path, template="toshima").markdown == (
        "豊島 6\n"
    )
    with pytest.raises(UserError) as refused:
        draft(deps, ref.meeting_id, templates_dir=tmp_path, template="evil")
    assert refused.value.key == "minutes.template_error"
    with pytest.raises(UserError) as unknown:
        draft(deps, ref.meeting_id, templates_dir=tmp_path, template="nothing")
    assert unknown.value.key == "minutes.unknown_template"
    assert unknown.value.params["known"] == "en, evil, ja, toshima"
    with pytest.raises(UserError) as traversal:
        draft(deps, ref.meeting_id, template="../../etc/passwd")
    assert traversal.value.key == "body.bad_template"


def test_an_english_workspace_drafts_in_english(deps_en: Deps) -> None:
    ref = build_reference(deps_en, with_notes=False)
    result = draft(deps_en, ref.meeting_id)
    assert result.template == "en"
    assert result.title == "FY2027 Meeting No. 1 of 行政情報化推進本部"
    assert_in_order(docx_text(result.docx), ("Minutes", "Name of the body", "Reports"))


def test_an_operators_docx_is_used_before_the_built_in_one(deps: Deps, tmp_path: Path) -> None:
    ref = build_reference(deps, with_notes=False)
    form = Document()
    form.add_paragraph("豊島区様式 {{ meeting.title }} {{ items|length }}件")
    form.save(str(tmp_path / "toshima.docx"))
    (tmp_path / "toshima.md.j2").write_text("{{ meeting.title }}\n", "utf-8")
    result = draft(deps, ref.meeting_id, templates_dir=tmp_path, template="toshima")
    assert docx_text(result.docx) == "豊島区様式 令和9年度 第1回行政情報化推進本部 6件"
    broken = Document()
    broken.add_paragraph("{{ meeting.__class__.__mro__ }}")
    broken.save(str(tmp_path / "toshima.docx"))
    with pytest.raises(UserError) as refused:
        draft(deps, ref.meeting_id, templates_dir=tmp_path, template="toshima")
    assert refused.value.key == "minutes.template_error"


@pytest.mark.parametrize(
    "key",
    [
        "minutes.refused_public",
        "minutes.refused_shared",
        "minutes.refused_elsewhere",
        "minutes.items_withheld",
    ],
)
def test_disclosure_reasons_read_as_a_sentence(key: str) -> None:
    ja_reasons = "、".join(("会議: 非公開", "会議録: 一部非公開", "非公開の議題・資料あり"))
    ja = t("ja", key, title="本部", ref="M1", disclosure=ja_reasons, channel="#c", count=2)
    assert f"非公開の内容を含むため（{ja_reasons}）、" in ja
    assert "含むのため" not in ja and "ありのため" not in ja
    en_reasons = "meeting: closed, non-public items or materials"
    en = t("en", key, title="Board", ref="M1", disclosure=en_reasons, channel="#c", count=2)
    assert f"holds non-public content ({en_reasons})" in en and "is meeting" not in en
