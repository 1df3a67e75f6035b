"""The reference meeting's agenda and materials register, entered over HTTP."""

from __future__ import annotations

import re

from bot.localslack import LocalSlack
from tests.e2e.conftest import BotProcess
from tests.handlers.test_materials import ITEMS, NFKC_EXPECTED, _register
from tests.harness import C_MAIN, U_SEC
from tests.slackbench import payloads


def test_reference_register_over_http(bot_process: BotProcess, e2e_slack: LocalSlack) -> None:
    def run(command: str, text: str, user: str = U_SEC) -> str:
        return bot_process.command(command, text, user=user, channel=C_MAIN, slack=e2e_slack)

    run("/meeting", "setup 行政情報化推進本部 secretariat=情報管理課")
    assert "M1" in run("/meeting", "schedule 2099-06-24 11:00-12:00")

    def add(key: str) -> str:
        user, kind, title, _ = ITEMS[key]
        found = re.search(r"（(A\d+)）", run("/agenda", f"add {kind} 「{title}」", user))
        assert found
        return found.group(1)

    # Kinds interleaved; within a kind in agenda order. 議案(1) is withdrawn, then submitted
    # again: it goes back to its place without being told where.
    refs = {key: add(key) for key in ("standard", "online", "operation", "confirm", "phone")}
    refs["govtech"] = add("govtech")
    assert "取り下げ" in run("/agenda", f"withdraw {refs['online']}", ITEMS["online"][0])
    refs["online"] = add("online")

    # Materials interleaved across items (each item's own in order).
    queues = {key: list(item[3]) for key, item in ITEMS.items()}
    while any(queues.values()):
        for key in ("govtech", "operation", "confirm", "phone", "online", "standard"):
            if queues[key]:
                title = queues[key].pop(0)
                answer = run("/materials", f"add {refs[key]} 「{title}」", ITEMS[key][0])
                assert "資料を登録しました" in answer, answer
    run("/materials", f"add {refs['govtech']} GovTech東京の概要 reference=yes")
    run("/materials", f"add {refs['phone']} 電話システムの市場動向 reference=yes")
    run("/materials", f"add {refs['standard']} 標準化の国の資料 reference=yes")

    response = bot_process.http.post(
        payloads.slash_command(
            "/materials", "list", U_SEC, C_MAIN, response_url=e2e_slack.new_response_url(C_MAIN)
        )
    )
    body = response.body
    text = "\n".join(b["text"]["text"] for b in body["blocks"] if b.get("type") == "section")
    assert _register(text) == NFKC_EXPECTED
