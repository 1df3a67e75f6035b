"""App Home: app_home_opened publishes the user's meetings and agenda items."""

from __future__ import annotations

import json
from typing import Any

from tests.harness import U_MEMBER, U_OTHER, Harness


def _open_home(harness: Harness, user: str) -> dict[str, Any]:
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0HOME",
        "tab": "home",
        "event_ts": "1700000000.000900",
    }
    answer = harness.event(event)
    assert answer.status == 200
    published = harness.slack.views_published(user)
    assert published, "the Home tab was published"
    return published[-1]


def test_home_shows_upcoming_meetings_and_items_lacking_materials(harness: Harness) -> None:
    harness.setup_body()
    harness.command("/meeting", f"member <@{U_MEMBER}> member title=総務部長")
    harness.schedule("2027-06-24", "11:00-12:00")
    harness.command("/agenda", "add 議案 資料のある議案", user=U_MEMBER)
    harness.command("/agenda", "add 報告 資料のない報告", user=U_MEMBER)
    harness.command("/agenda", "add 報告 他人の報告")
    harness.command("/materials", "add A1 概要", user=U_MEMBER)
    view = _open_home(harness, U_MEMBER)
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    text = json.dumps(view["blocks"], ensure_ascii=False)
    assert "今後の会議" in text and "令和9年度 第1回行政情報化推進本部" in text
    assert "資料のある議案" in text and "資料 1 件" in text
    assert (
        "資料のない報告" in text and "資料が未登録です（締切: 令和9年6月22日（火） 11:00）" in text
    )
    assert "他人の報告" not in text


def test_home_of_someone_on_no_roster_lists_no_body(harness: Harness) -> None:
    harness.setup_body()
    harness.schedule("2027-06-24", "11:00-12:00")
    text = json.dumps(_open_home(harness, U_OTHER)["blocks"], ensure_ascii=False)
    assert "行政情報化推進本部" not in text and "名簿にも登録されていません" in text
    assert "提出した議題はありません" in text


def test_messages_tab_publishes_nothing(harness: Harness) -> None:
    harness.setup_body()
    harness.event(
        {
            "type": "app_home_opened",
            "user": U_OTHER,
            "channel": "D0HOME",
            "tab": "messages",
            "event_ts": "1700000000.000901",
        }
    )
    assert harness.slack.views_published(U_OTHER) == []
