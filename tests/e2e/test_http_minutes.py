"""`secretariat run` over HTTP: the reference meeting entered through commands and thread
replies in the body's private channel (the meeting is 非公開), its minutes drafted as Markdown
and Word — and refused in a public channel."""

from __future__ import annotations

import re

from bot.localslack import LocalSlack
from bot.localslack.models import SharedFile
from tests.e2e.conftest import BotProcess
from tests.harness import C_MAIN, C_PRIVATE, U_ADMIN, U_CHAIR, U_MEMBER, U_OTHER, U_SEC
from tests.slackbench import payloads
from tests.unit.test_minutes import FULL_ORDER, assert_in_order, docx_text
from tests.unit.test_minutes_reference import ITEMS, MINUTES_REASON, REASON

# Actual start and end come from the real clock here; everything else is the reference.
TIMELESS = tuple(p for p in FULL_ORDER if "令和9年6月24日" not in p and "終了〕" not in p)
KINDS = {"confirm": "確認", "proposal": "議案", "report": "報告"}


def test_reference_minutes_over_http(bot_process: BotProcess, e2e_slack: LocalSlack) -> None:
    def run(command: str, text: str, *, user: str = U_SEC, channel: str = C_PRIVATE) -> str:
        return bot_process.command(command, text, user=user, channel=channel, slack=e2e_slack)

    run(
        "/meeting",
        "setup 行政情報化推進本部 secretariat=政策経営部情報管理課 place=庁議室（本庁舎5階）",
    )
    for user, role, title in (
        (U_CHAIR, "chair", "副区長"),
        (U_ADMIN, "vice_chair", "政策経営部長"),
        (U_MEMBER, "member", "総務部長"),
        (U_OTHER, "member", "区民部長"),
        (U_SEC, "secretariat", "情報担当係長（管理）"),
    ):
        run("/meeting", f"member <@{user}> {role} title={title}")
    run(
        "/meeting",
        f"config disclosure=closed reason={REASON} "
        f"minutes_disclosure=partial minutes_reason={MINUTES_REASON}",
    )
    assert "M1" in run("/meeting", "schedule 2027-06-24 11:00-12:00")
    numbers: dict[str, int] = {}
    for kind, title, presenter, summary, docs in ITEMS:
        numbers[kind] = numbers.get(kind, 0) + 1
        text = f"add {KINDS[kind]} {title}" + (f" presenter={presenter}" if presenter else "")
        text += (f" summary={summary}" if summary else "") + (
            " private=yes" if title.startswith("次期電話") else ""
        )
        run("/agenda", text)
        for doc in docs:
            run("/materials", f"add {KINDS[kind]}{numbers[kind]} {doc}")
    absent = payloads.block_actions("meeting_absent", "1", U_OTHER, C_PRIVATE, "1.0")
    assert bot_process.http.post(absent).status == 200

    run("/meeting", "start")

    def item_messages() -> list[str] | None:
        found = [m.text for m in e2e_slack.messages(C_PRIVATE) if m.text.startswith(":pushpin:")]
        return found if len(found) == 6 else None

    e2e_slack.wait_for(item_messages, timeout=10)
    pins = [m for m in e2e_slack.messages(C_PRIVATE) if m.text.startswith(":pushpin:")]
    assert not [m for m in e2e_slack.messages(C_MAIN) if m.text.startswith(":pushpin:")]
    first = next(m.ts for m in pins if re.search(r"議案（1）", m.text))
    for user, text in (
        (U_SEC, "本部長：延期することでオンライン化300件という目標を達成できないことはあるか。"),
        (U_SEC, "無いと考えている。"),
        (U_MEMBER, "電子契約書について10月から検討している。"),
    ):
        event = payloads.message_event(text, user, C_PRIVATE, thread_ts=first)
        assert bot_process.http.post(payloads.event_callback(event)).status == 200
    run("/minutes", "note 議案2 本部長：もう一度政経部で練って判断することにする。")
    run("/decision", "議案1 承認")
    run("/decision", "議案2 再検討")
    run("/meeting", "end")

    refused = run("/minutes", "draft M1", channel=C_MAIN)
    assert "公開チャンネル" in refused and "含むのため" not in refused
    assert "第1版" in run("/minutes", "draft M1")

    def drafted() -> list[SharedFile] | None:
        found = [f for f in e2e_slack.files(C_PRIVATE) if f.name.startswith("minutes-")]
        return found if len(found) == 2 else None

    files = e2e_slack.wait_for(drafted, timeout=10)
    by_kind = {f.name.rsplit(".", 1)[-1]: f.content for f in files}
    assert_in_order(by_kind["md"].decode("utf-8"), TIMELESS)
    assert_in_order(docx_text(by_kind["docx"]), TIMELESS)
    assert "終了〕" in by_kind["md"].decode("utf-8")
    assert not [f for f in e2e_slack.files(C_MAIN) if f.name.startswith("minutes-")]
