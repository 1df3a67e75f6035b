"""`secretariat run` over HTTP: the issue's scenario, end to end, with nothing faked inside."""

from __future__ import annotations

import urllib.request

from icalendar import Calendar

from bot.localslack import LocalSlack
from tests.e2e.conftest import BotProcess
from tests.harness import C_MAIN, C_PT, U_MEMBER, U_SEC
from tests.slackbench import payloads


def test_setup_schedule_and_pt_listing_over_http(
    bot_process: BotProcess, e2e_slack: LocalSlack
) -> None:
    def run(text: str, *, user: str = U_SEC, channel: str = C_MAIN) -> str:
        return bot_process.command("/meeting", text, user=user, channel=channel, slack=e2e_slack)

    assert "行政情報化推進本部" in run(
        "setup 行政情報化推進本部 secretariat=情報管理課 place=庁議室（本庁舎5階）"
    )
    assert "M1" in run("schedule 2027-06-24 11:00-12:00")

    # The announcement is posted after the ack, by the server's own threads.
    post = e2e_slack.wait_for(
        lambda: next((m for m in e2e_slack.messages(C_MAIN) if m.blocks), None), timeout=10
    )
    for expected in ("令和9年度", "第1回", "令和9年6月24日（木）", "11:00", "庁議室（本庁舎5階）"):
        assert expected in post.text
    ics = e2e_slack.wait_for(lambda: e2e_slack.files(C_MAIN), timeout=10)[0]
    event = next(iter(Calendar.from_ical(ics.content).walk("VEVENT")))
    start = event.decoded("dtstart")
    assert start.isoformat() == "2027-06-24T11:00:00+09:00"
    assert str(start.tzinfo) == "Asia/Tokyo"

    assert "システム標準化PT" in run(
        "setup システム標準化PT parent=行政情報化推進本部", channel=C_PT
    )
    assert "M2" in run("schedule 2027-06-10 15:00-16:00", channel=C_PT)
    listing = run("list fy=2027")
    assert "システム標準化PT" in listing and "行政情報化推進本部" in listing
    assert listing.index("令和9年6月10日") < listing.index("令和9年6月24日")

    refused = run("schedule 2027-07-01 11:00-12:00", user=U_MEMBER)
    assert "事務局" in refused
    assert "M3" not in run("list fy=2027")


def test_health_and_signature_checks(bot_process: BotProcess) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{bot_process.port}/healthz") as response:
        assert response.status == 200
    payload = payloads.slash_command("/meeting", "help", U_SEC, C_MAIN)
    assert bot_process.http.post(payload, bad_signature=True).status == 401
    assert bot_process.http.post(payload, stale=True).status == 401
    assert bot_process.http.post(payload).status == 200
