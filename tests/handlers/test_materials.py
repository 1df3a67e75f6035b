"""/materials through signed requests: the reference meeting's register, permissions, errors."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select

from storage.models import Material
from tests.harness import U_CHAIR, U_MEMBER, U_OTHER, U_SEC, Harness
from tests.unit.test_materials import EXPECTED as REFERENCE_EXPECTED

# (who submits, kind word, title, materials in order) — the reference minutes' six items.
ITEMS = {
    "confirm": (U_SEC, "確認", "今年度の開催予定等について", ["今年度の開催予定等"]),
    "online": (
        U_MEMBER,
        "議案",
        "行政手続きのオンライン化におけるスケジュール変更について",
        ["行政手続きのオンライン化におけるスケジュール変更について"],
    ),
    "phone": (
        U_MEMBER,
        "議案",
        "次期電話システムの選定について",
        [
            "次期電話システムの選定について（概要）",
            "各システムの比較一覧",
            "各システムの運用経費内訳",
        ],
    ),
    "standard": (
        U_CHAIR,
        "報告",
        "システム標準化の進捗について",
        [
            "標準化全体進捗状況（工程表）",
            "移行困難システムの今後の取扱い",
            "共通機能等における事業者選定状況",
        ],
    ),
    "operation": (
        U_SEC,
        "報告",
        "次期統合運用管理事業者の選定について",
        ["次期統合運用管理事業者の選定について", "次期統合運用管理事業者の選定スケジュール"],
    ),
    "govtech": (U_SEC, "報告", "GovTech東京との連携について", ["GovTech東京の協働事業について"]),
}
EXPECTED = [
    *REFERENCE_EXPECTED,
    ("参考資料1", "電話システムの市場動向"),
    ("参考資料2", "標準化の国の資料"),
    ("参考資料3", "GovTech東京の概要"),
]
NFKC_EXPECTED = [(label, unicodedata.normalize("NFKC", title)) for label, title in EXPECTED]
_ROW = re.compile(r"^(?P<label>(?:参考)?資料[\d-]+) (?P<title>.+?) — ")


def _add_item(harness: Harness, key: str, extra: str = "") -> str:
    user, kind, title, _ = ITEMS[key]
    answer = harness.command("/agenda", f"add {kind} 「{title}」 {extra}".strip(), user=user)
    found = re.search(r"（(A\d+)）", answer.text)
    assert found, answer.text
    return found.group(1)


def _register(text: str) -> list[tuple[str, str]]:
    rows = []
    for line in unicodedata.normalize("NFKC", text).splitlines():
        m = _ROW.match(line)
        if m:
            rows.append((m.group("label"), m.group("title")))
    return rows


def test_reference_meeting_materials_list_as_in_the_minutes(harness: Harness) -> None:
    harness.setup_body()
    harness.schedule("2027-06-24", "11:00-12:00")
    refs: dict[str, str] = {}
    # Items in a shuffled order: kinds interleaved, and the first proposal withdrawn
    # after its first material, then entered again in its place.
    for key in ("standard", "online", "govtech", "confirm", "phone"):
        refs[key] = _add_item(harness, key)
    refs["operation"] = _add_item(harness, "operation", "no=2")  # before 報告(2) GovTech
    harness.command("/materials", f"add {refs['online']} 古い版の資料", user=U_MEMBER)
    assert "取り下げ" in harness.command("/agenda", "withdraw 議案1", user=U_MEMBER).text
    refs["online"] = _add_item(harness, "online", "no=1")
    # Materials interleaved across items, by A-reference and by 議案2 / 報告1 forms.
    queues = {key: list(item[3]) for key, item in ITEMS.items()}
    order = ["operation", "phone", "confirm", "standard", "govtech", "online"]
    while any(queues.values()):
        for key in order:
            if queues[key]:
                user = ITEMS[key][0]
                ref = {"phone": "議案2", "standard": "報告1"}.get(key, refs[key])
                answer = harness.command(
                    "/materials", f"add {ref} 「{queues[key].pop(0)}」", user=user
                )
                assert "資料を登録しました" in answer.text, answer.text
    harness.command("/materials", "add 報告3 GovTech東京の概要 reference=yes")
    harness.command("/materials", "add 議案2 電話システムの市場動向 reference=yes", user=U_MEMBER)
    harness.command(
        "/materials",
        "add 報告1 標準化の国の資料 reference=yes url=https://example.jp/std",
        user=U_CHAIR,
    )
    listing = harness.command("/materials", "list", user=U_OTHER)
    text = "\n".join(b["text"]["text"] for b in listing.body["blocks"])
    assert _register(text) == NFKC_EXPECTED
    with harness.deps.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Material)) == 15  # 14 + the old one
    # The agenda shows the same labels beside each item; locking freezes them.
    harness.command("/agenda", "lock")
    locked = harness.command("/materials", "list").body["blocks"]
    assert _register("\n".join(b["text"]["text"] for b in locked)) == NFKC_EXPECTED
    agenda_text = unicodedata.normalize(
        "NFKC",
        "\n".join(b["text"]["text"] for b in harness.command("/agenda", "list").body["blocks"]),
    )
    assert "資料3-2 各システムの比較一覧" in agenda_text


def test_members_add_only_to_their_own_items_and_mistakes_are_explained(
    harness: Harness,
) -> None:
    harness.setup_body()
    harness.schedule()
    ref = _add_item(harness, "phone")  # submitted by U_MEMBER
    refused = harness.command("/materials", f"add {ref} 勝手な資料", user=U_OTHER)
    assert "自分が提出した議題" in refused.text
    cases = {
        "add": "/materials add",
        f"add {ref}": "/materials add",
        f"add {ref} 資料 url=ftp://x": "ftp://x",
        f"add {ref} 資料 private=maybe": "maybe",
        "add 議案7 資料": "議案7",
        "list A1": "M12",
        "frobnicate": "frobnicate",
    }
    for text, expected in cases.items():
        answer = harness.command("/materials", text, user=U_MEMBER)
        assert expected in answer.text, (text, answer.text)
    with harness.deps.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Material)) == 0
    added = harness.command("/materials", f"add {ref} 比較一覧 private=yes", user=U_MEMBER)
    assert "資料1" in added.text and "非公開" in added.text
    english = harness.command("/materials", "list", user=U_SEC)
    assert "資料1" in english.text
