"""Labelled questions over a register of 200+ decisions, on SQLite and on PostgreSQL.

Every question (Japanese and English, with one- and two-kanji terms, full-width and
half-width forms, spelling variants) must find each of its expected decisions, with an
expected one ranked first; and both databases must return the same ranking.
"""

from __future__ import annotations

import itertools
import os
from datetime import date

import pytest
from sqlalchemy.orm import Session

from bot.decisions import record_decision
from bot.search import search_decisions
from storage.models import Note
from tests.conftest import Database, _wipe
from tests.unit.decision_records import NOW, SEC, make_body, make_item, make_meeting

TODAY = date(2027, 5, 10)

# key: (title, decision text, summary, note)
TOPICS: dict[str, tuple[str, str | None, str | None, str | None]] = {
    "phone": ("次期電話システムの選定について", "Phone system: compare vendor costs", None, None),
    "online": (
        "行政手続きのオンライン化におけるスケジュール変更について",
        "Schedule change for putting administrative procedures online",
        None,
        None,
    ),
    "budget": (
        "令和9年度予算の編成方針について",
        "シーリング枠を設定する。FY2027 budget",
        None,
        None,
    ),
    "wifi": ("庁内無線LANの更新", None, None, "庁内ネットワーク全体の見直しも必要"),
    "cashless": ("窓口キャッシュレス決済の導入", "Cashless payments at counters", None, None),
    "govtech": ("ＧｏｖＴｅｃｈ東京との連携について", None, None, None),
    "standard": ("システム標準化の進捗について", None, None, None),
    "ops": ("次期統合運用管理事業者の選定について", None, "運用監視の一元化", None),
    "privacy": ("個人情報保護条例の改正", None, None, None),
    "telework": ("職員向けテレワーク規程の制定", "Telework rules for staff", None, None),
    "genai": ("生成AI利用ガイドラインの策定", "Guidelines for generative AI", None, None),
    "stockpile": ("庁舎の防災備蓄品の更新", "Disaster stockpile renewal", None, None),
    "mynumber": ("マイナンバーカードの交付体制", None, None, None),
    "contract": ("電子契約サービスの導入", None, None, None),
    "furusato": ("ふるさと納税の返礼品見直し", None, None, None),
    "library": ("図書館の指定管理者の選定", "Library management contract", None, None),
    "nursery": ("保育園の入園申請の電子化", None, None, None),
    "garbage": ("ごみ収集日程の変更", None, None, None),
    "minutes": ("議事録の公開範囲", None, None, None),
    "camera": ("防犯カメラの設置", None, None, None),
    "survey": ("区民アンケート調査の実施", None, None, None),
    "aircon": ("コンピュータ室の空調更新", None, None, None),
    "fees": ("附属機関の委員報酬について", None, None, None),
    "apply": ("申込手続の簡素化", None, None, None),
    "vaccine": ("予防接種の予約受付", None, None, None),
    "tax": ("税務証明のコンビニ交付", None, None, None),
}

QUESTIONS: list[tuple[str, set[str]]] = [
    ("電話", {"phone"}),
    ("電話システムについて何が決まった？", {"phone"}),
    ("what was decided about the phone system?", {"phone"}),
    ("ＰＨＯＮＥ", {"phone"}),
    ("でんわ", {"phone"}),
    ("オンライン化の件はどうなった", {"online"}),
    ("ｵﾝﾗｲﾝ", {"online"}),
    ("what did we decide on online procedures", {"online"}),
    ("予算", {"budget"}),
    ("予算はどうなった？", {"budget"}),
    ("budget", {"budget"}),
    ("シーリング", {"budget"}),
    ("予", {"budget", "vaccine"}),
    ("税", {"furusato", "tax"}),
    ("無線ＬＡＮ", {"wifi"}),
    ("ネットワーク", {"wifi"}),
    ("キャッシュレス決済について何が決まりましたか", {"cashless"}),
    ("cashless payment", {"cashless"}),
    ("GovTech東京との連携は？", {"govtech"}),
    ("標準化はどうなった", {"standard"}),
    ("統合運用管理の事業者は決まった？", {"ops"}),
    ("一元化", {"ops"}),
    ("個人情報", {"privacy"}),
    ("テレワークの規程", {"telework"}),
    ("what about telework?", {"telework"}),
    ("生成ＡＩ", {"genai"}),
    ("generative AI guidelines", {"genai"}),
    ("防災", {"stockpile"}),
    ("備蓄", {"stockpile"}),
    ("what did we decide on the disaster stockpile", {"stockpile"}),
    ("マイナンバーカードについて", {"mynumber"}),
    ("電子契約", {"contract"}),
    ("ふるさと納税", {"furusato"}),
    ("図書館", {"library"}),
    ("library", {"library"}),
    ("保育園の件", {"nursery"}),
    ("ごみ", {"garbage"}),
    ("議事録はどうなりましたか？", {"minutes"}),
    ("防犯", {"camera"}),
    ("区民アンケートの結果", {"survey"}),
    ("コンピューター室", {"aircon"}),
    ("空調", {"aircon"}),
    ("付属機関", {"fees"}),
    ("申し込み", {"apply"}),
    ("予防接種", {"vaccine"}),
]

# Filler titles: other business of the same bodies, in words none of the questions use.
_DEPTS = ("総務部", "区民部", "都市整備部", "環境清掃部", "福祉部")
_OBJECTS = ("会議室", "公用車", "広報誌", "掲示板", "職員名札", "出張旅費", "文書管理", "印刷物")
_ACTIONS = ("整理", "点検", "改善", "統一", "集約")
OUTCOMES = ("approved", "amended", "rejected", "reexamine", "deferred", "noted")
FILLERS = 180


def build_register(s: Session) -> dict[str, int]:
    """200+ decisions in several meetings; returns the decision id of each topic."""
    body = make_body(s)
    meetings = [make_meeting(s, body, days_ago=7 * n + 3) for n in range(8)]
    ids: dict[str, int] = {}
    for n, (key, (title, text, summary, note)) in enumerate(TOPICS.items()):
        item = make_item(s, meetings[n % len(meetings)], title, summary=summary)
        if note:
            s.add(Note(agenda_item_id=item.id, text=note, author_id="U0MEMBER", created_at=NOW))
        outcome = OUTCOMES[n % len(OUTCOMES)]
        view = record_decision(s, item, outcome, actor=SEC, now=NOW, today=TODAY, text=text)  # type: ignore[arg-type]
        ids[key] = view.id
    combos = itertools.cycle(itertools.product(_DEPTS, _OBJECTS, _ACTIONS))
    for n in range(FILLERS):
        dept, obj, act = next(combos)
        item = make_item(s, meetings[n % len(meetings)], f"{dept}における{obj}の{act}（第{n}号）")
        outcome = OUTCOMES[n % len(OUTCOMES)]
        record_decision(s, item, outcome, actor=SEC, now=NOW, today=TODAY, text=f"{obj}を{act}する")  # type: ignore[arg-type]
    return ids


def run_questions(s: Session, ids: dict[str, int]) -> list[list[int]]:
    rankings = []
    by_id = {v: k for k, v in ids.items()}
    for question, expected in QUESTIONS:
        found = [m.decision_id for m in search_decisions(s, question, limit=10).decisions]
        keys = {by_id.get(d or 0, f"filler D{d}") for d in found}
        assert expected <= keys, (question, keys)
        assert by_id.get(found[0] or 0) in expected, (question, keys)
        rankings.append([d or 0 for d in found])
    return rankings


def test_labelled_questions_on_both_databases(_databases: dict[str, Database | str]) -> None:
    assert len(QUESTIONS) >= 40 and len(TOPICS) + FILLERS >= 200
    results: dict[str, list[list[int]]] = {}
    for backend in ("sqlite", "postgresql"):
        database = _databases[backend]
        if isinstance(database, str):
            if os.environ.get("CI") == "true":
                pytest.fail(database)
            continue
        _wipe(database)
        try:
            with database.session_factory.begin() as s:
                ids = build_register(s)
            with database.session_factory() as s:
                results[backend] = run_questions(s, ids)
        finally:
            _wipe(database)
    if len(results) == 2:
        assert results["sqlite"] == results["postgresql"]
    assert results, "no database available"
