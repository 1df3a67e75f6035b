"""/decision and /decisions through real bolt dispatch, against the fake Slack."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from storage.models import AgendaItem, Decision, Meeting
from tests.harness import (
    C_MAIN,
    U_MEMBER,
    U_OTHER,
    U_SEC,
    Harness,
)

PHONE = "次期電話システムの選定について"
ONLINE = "行政手続きのオンライン化におけるスケジュール変更について"


def held_meeting_with_items(
    harness: Harness, items: list[tuple[str, str, bool]] | None = None, *, extra: str = ""
) -> int:
    """Set up the body, schedule a meeting (its announcement is the thread), add items, and
    move the clock past it so that 議案1/議案2 name its items."""
    harness.setup_body()
    meeting_id = harness.schedule("2027-05-12", "11:00-12:00", extra=extra)
    with harness.deps.unit_of_work() as s:
        meeting = s.get_one(Meeting, meeting_id)
        numbers: dict[str, int] = {}
        for kind, title, private in items or [
            ("proposal", ONLINE, False),
            ("proposal", PHONE, False),
        ]:
            numbers[kind] = numbers.get(kind, 0) + 1
            s.add(
                AgendaItem(
                    meeting=meeting,
                    kind=kind,
                    number=numbers[kind],
                    title=title,
                    submitter_id=U_MEMBER,
                    status="accepted",
                    private=private,
                    created_at=harness.clock.now(),
                )
            )
    harness.clock.advance(timedelta(days=3))
    return meeting_id


def thread_of(harness: Harness, meeting_id: int) -> tuple[str, str]:
    with harness.deps.session_factory() as s:
        meeting = s.get_one(Meeting, meeting_id)
        assert meeting.announcement_channel and meeting.announcement_ts
        return meeting.announcement_channel, meeting.announcement_ts


def last_post(harness: Harness, channel: str) -> str:
    return harness.slack.messages(channel=channel)[-1].text


def test_record_posts_in_meeting_thread_and_answers_query(harness: Harness) -> None:
    meeting_id = held_meeting_with_items(harness)
    first = harness.command("/decision", "議案1 承認")
    assert "承認" in first.text and "D1" in first.text
    second = harness.command(
        "/decision", f"議案2 再検討 owner=<@{U_MEMBER}|buin> due=6/30 費用比較を追加して再提出"
    )
    assert "再検討" in second.text and "D2" in second.text, second.text
    channel, ts = thread_of(harness, meeting_id)
    replies = [m.text for m in harness.slack.messages(channel=channel, thread_ts=ts)]
    decision_posts = [r for r in replies if "決定 D" in r]
    assert len(decision_posts) == 2
    assert PHONE in decision_posts[1] and "再検討" in decision_posts[1]
    assert f"<@{U_MEMBER}>" in decision_posts[1] and "令和9年6月30日" in decision_posts[1]

    ack = harness.command("/decisions", "電話", user=U_OTHER)
    assert "電話" in ack.text
    answer = last_post(harness, C_MAIN)
    for expected in (PHONE, "再検討", f"<@{U_MEMBER}>", "令和9年6月30日", "議案2", "第1回"):
        assert expected in answer, (expected, answer)
    assert "令和9年5月12日" in answer and f"/archives/{channel}/p" in answer  # thread link
    assert ONLINE not in answer


def test_redeciding_supersedes_and_close_by_owner(harness: Harness) -> None:
    held_meeting_with_items(harness)
    harness.command("/decision", f"議案2 継続審議 owner=<@{U_MEMBER}> due=2027-06-30")
    again = harness.command("/decision", f"議案2 修正承認 owner=<@{U_MEMBER}> due=2027-07-31")
    assert "D1" in again.text  # says it supersedes D1
    refused = harness.command("/decision", "close D1", user=U_MEMBER)
    assert "D2" in refused.text  # superseded: close D2 instead
    other = harness.command("/decision", "close D2", user=U_OTHER)
    assert "担当者か事務局" in other.text
    closed = harness.command("/decision", "close D2 ベンダー決定済み", user=U_MEMBER)
    assert "完了" in closed.text
    with harness.deps.session_factory() as s:
        statuses = dict(s.execute(select(Decision.id, Decision.status)).all())
    assert statuses == {1: "superseded", 2: "closed"}


def test_pending_list_oldest_due_first_with_overdue(harness: Harness) -> None:
    held_meeting_with_items(
        harness,
        [("proposal", "甲案件", False), ("proposal", "乙案件", False), ("report", "丙報告", False)],
    )
    harness.command("/decision", f"議案1 承認 owner=<@{U_MEMBER}> due=2027-06-30")
    harness.command("/decision", "議案2 再検討 owner=情報管理課 due=2027-05-20")
    harness.command("/decision", "報告1 了承")  # not pending
    harness.clock.advance(timedelta(days=10))  # 2027-05-23: 議案2 is 3 days overdue
    harness.command("/decisions", "")
    listing = last_post(harness, C_MAIN)
    assert listing.index("乙案件") < listing.index("甲案件")
    assert "3日超過" in listing and "情報管理課" in listing
    assert "丙報告" not in listing


def test_mistakes_get_the_right_form_and_write_nothing(harness: Harness) -> None:
    held_meeting_with_items(harness)
    cases = {
        "議案1": "正しい形式",
        "議案1 たぶん": "正しい形式",
        "議案9 承認": "議案9",
        "議案1 承認 due=2027-01-01": "過去",
        "議案1 承認 due=いつか": "正しい形式",
        "議案1 承認 color=red": "color",
        "M1 承認": "議題ではありません",
        "close": "D5",
        "close A1": "D5",
        "close D99": "D99",
    }
    for text, expected in cases.items():
        answer = harness.command("/decision", text)
        assert answer.status == 200 and expected in answer.text, (text, answer.text)
    refused = harness.command("/decision", "議案1 承認", user=U_MEMBER)
    assert "事務局" in refused.text
    with harness.deps.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == 0


def test_no_arguments_opens_the_modal_and_submission_records(harness: Harness) -> None:
    meeting_id = held_meeting_with_items(harness)
    refused = harness.command("/decision", "", user=U_MEMBER)
    assert "事務局" in refused.text and not harness.slack.calls("views.open")
    answer = harness.command("/decision", "")
    assert answer.status == 200
    opened = harness.slack.calls("views.open")
    view = opened[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "decision_record"
    assert [b["block_id"] for b in view["blocks"]] == [
        "item",
        "outcome",
        "owner",
        "owner_dept",
        "due",
        "text",
    ]
    metadata = json.dumps({"channel": C_MAIN})
    bad = harness.submit(
        "decision_record",
        {"item": {"value": "M1"}, "outcome": {"value": {"selected_option": {"value": "approved"}}}},
        private_metadata=metadata,
    )
    assert bad.body["response_action"] == "errors" and "item" in bad.body["errors"]
    good = harness.submit(
        "decision_record",
        {
            "item": {"value": "議案2"},
            "outcome": {"value": {"selected_option": {"value": "reexamine"}}},
            "owner": {"value": {"selected_user": U_MEMBER}},
            "due": {"value": {"selected_date": "2027-06-30"}},
            "text": {"value": "費用比較"},
        },
        private_metadata=metadata,
    )
    assert good.status == 200 and not good.body
    channel, ts = thread_of(harness, meeting_id)
    assert PHONE in harness.slack.messages(channel=channel, thread_ts=ts)[-1].text
    with harness.deps.session_factory() as s:
        decision = s.scalars(select(Decision)).one()
        assert (decision.outcome, decision.owner_user_id) == ("reexamine", U_MEMBER)


def test_unknown_query_says_so_and_suggests_titles(harness: Harness) -> None:
    held_meeting_with_items(harness)
    harness.command("/decision", "議案1 承認")
    harness.command("/decisions", "システマ")
    answer = last_post(harness, C_MAIN)
    assert "見つかりませんでした" in answer and PHONE in answer and "まだ決定はありません" in answer
    harness.command("/decisions", "ロケット")
    assert "見つかりませんでした" in last_post(harness, C_MAIN)


def test_user_text_is_escaped_in_posts(harness: Harness) -> None:
    meeting_id = held_meeting_with_items(harness)
    harness.command("/decision", "議案1 承認 <!channel> 全員に通知 & <b>")
    channel, ts = thread_of(harness, meeting_id)
    post = harness.slack.messages(channel=channel, thread_ts=ts)[-1].text
    assert "<!channel>" not in post and "&lt;!channel&gt;" in post and "&amp;" in post
    assert U_SEC  # the secretariat recorded it


def test_app_home_lists_my_pending_decisions(harness: Harness) -> None:
    held_meeting_with_items(harness)
    harness.command("/decision", f"議案2 再検討 owner=<@{U_MEMBER}> due=2027-05-14")
    harness.command("/decision", f"議案1 承認 owner=<@{U_OTHER}> due=2027-06-30")
    harness.clock.advance(timedelta(days=2))
    harness.event(
        {"type": "app_home_opened", "user": U_MEMBER, "channel": "D0MEMBER", "tab": "home"}
    )
    view = harness.slack.views_published(U_MEMBER)[-1]
    text = json.dumps(view, ensure_ascii=False)
    assert "自分が担当の未完了の決定" in text
    assert PHONE in text and "1日超過" in text  # the clock is at 2027-05-15
    assert ONLINE not in text.split("自分が担当の未完了の決定")[1]
