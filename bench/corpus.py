"""Generated decisions in Japanese and English, for the search benchmark.

Words are drawn from a secretariat's vocabulary with a Zipf-like frequency (a few words are in
many records, most in few), so that lookups of common and rare words are both measured. The
text is already in the folded form the index compares (NFKC, lower case), so that a plain
``LIKE`` scan of the stored text and the index answer the same question.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass


def _words(text: str) -> list[str]:
    return text.split()


JA_NOUNS = _words(
    """
電話システム 庁内ネットワーク 文書管理 電子申請 窓口業務 個人情報 情報セキュリティ 基幹系
標準化 共通化 クラウド 端末 予算 契約 委託 研修 手順書 規程 調達 仕様書 入札 保守 運用
移行 更新 導入 廃止 見直し 効率化 電子決裁 会議録 議事録 公文書 住民票 税務 福祉 子育て
防災 避難所 財務会計 人事給与 庶務事務 グループウェア メール 無線 回線 サーバー 障害 復旧
監査 点検 評価 計画 方針 指針 要綱 様式 申請書 届出 手数料 負担金 補助金 交付金 基金
予算要求 補正予算 決算 入札参加資格 プロポーザル 事業者 委員会 作業部会 庁議 本部会議
マイナンバー 公金受取口座 コンビニ交付 キャッシュレス 電子納付 オンライン化 デジタル化
ペーパーレス テレワーク 働き方改革 人材育成 職員 管理職 窓口 庁舎 会議室 駐車場 図書館
学校 保育所 高齢者 障害者 国民健康保険 介護保険 上下水道 道路 公園 清掃 ごみ 環境 脱炭素
再生可能エネルギー 省エネ 照明 空調 耐震 改修 工事 設計 積算 検査 引継ぎ 周知 広報
ホームページ 問い合わせ アンケート 統計 データ 連携 基盤 ガバメントクラウド 標準準拠
"""
)
JA_ACTS = _words(
    """
について に関する の実施 の検討 の導入 の変更 の方針 の見直し の進め方 の報告 の状況
"""
)
JA_VERBS = _words(
    """
を承認する を了承する を再検討する を継続審議とする を実施する を延期する を中止する
を前倒しする を見直す を進める を検討する を確認する
"""
)
EN_NOUNS = _words(
    """
phone network records archive portal intranet budget contract vendor training manual
policy procurement tender maintenance migration upgrade rollout retirement review audit
inspection plan guideline form application fee grant subsidy fund accounting payroll
email wireless circuit server outage recovery security privacy cloud terminal laptop printer
counter resident tax welfare childcare disaster shelter library school nursery pension
insurance water road park waste climate energy lighting retrofit construction design
estimate handover notice website inquiry survey statistics dataset integration platform
"""
)
EN_ACTS = _words("review proposal report plan status schedule")
EN_VERBS = _words(
    """
approved rejected deferred reexamined noted postponed scheduled cancelled adopted revised
"""
)


def _zipf_weights(n: int, s: float = 0.9) -> list[float]:
    return [1.0 / (rank**s) for rank in range(1, n + 1)]


@dataclass(frozen=True)
class Record:
    """One agenda item with its decision (and sometimes a summary and a note)."""

    title: str
    summary: str | None
    decision: str
    note: str | None


class Generator:
    """Deterministic records (seeded), two in three Japanese."""

    def __init__(self, seed: int = 20270510) -> None:
        self.rng = random.Random(seed)
        ja, en = list(JA_NOUNS), list(EN_NOUNS)
        self.rng.shuffle(ja)
        self.rng.shuffle(en)
        self.ja, self.en = ja, en
        self.ja_w, self.en_w = _zipf_weights(len(ja)), _zipf_weights(len(en))

    def _ja(self, k: int) -> list[str]:
        return self.rng.choices(self.ja, self.ja_w, k=k)

    def _en(self, k: int) -> list[str]:
        return self.rng.choices(self.en, self.en_w, k=k)

    def record(self) -> Record:
        r = self.rng
        if r.random() < 2 / 3:
            a, b, c, d = self._ja(4)
            title = f"{a}の{b}{r.choice(JA_ACTS)}"
            decision = f"令和{r.randint(6, 9)}年度から{c}と{a}{r.choice(JA_VERBS)}。"
            summary = f"{d}に係る{b}の{c}を行う。" if r.random() < 0.5 else None
            note = f"{d}の{c}について質問があった。" if r.random() < 0.1 else None
        else:
            a, b, c, d = self._en(4)
            title = f"{a} {b} {r.choice(EN_ACTS)}"
            decision = f"the {c} {a} was {r.choice(EN_VERBS)} for fy{r.randint(2024, 2027)}."
            summary = f"{d} and {b} {c} for the {a} team." if r.random() < 0.5 else None
            note = f"a question on the {d} {c}." if r.random() < 0.1 else None
        return Record(title, summary, decision, note)

    def records(self, count: int) -> Iterator[Record]:
        for _ in range(count):
            yield self.record()


ONE_CHAR = ["税", "網", "庁", "費", "窓", "基", "防", "保"]
TERMS_2_6 = [
    # Japanese words and parts of words, 2 to 6 characters
    "予算", "端末", "回線", "監査", "障害", "広報", "道路", "基金",
    "標準化", "共通化", "補助金", "公文書", "議事録", "会議室",
    "電子申請", "文書管理", "窓口業務", "クラウド", "補正予算", "電子決裁",
    "個人情報", "サーバー", "オンライン", "デジタル化",
    "セキュリティ", "ペーパーレス", "マイナンバー", "ネットワーク",
    # English words, 3 to 6 letters
    "tax", "fee", "road", "cloud", "budget", "server", "vendor", "portal", "audit", "grant",
]  # fmt: skip
QUESTIONS = [
    "電話システムについて何が決まった？",
    "クラウド移行の予算はどうなった？",
    "庁内ネットワークの更新はいつから？",
    "情報セキュリティの研修について決まったことは",
    "補助金の見直しはどうなりましたか",
    "ペーパーレスと電子決裁の方針",
    "what was decided about the phone system?",
    "what happened to the cloud migration budget?",
    "did we approve the server upgrade?",
    "security training policy",
]
