"""/meeting through real bolt dispatch of signed requests, against the fake Slack."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import func, select

from bot.app import create_app
from bot.deps import Deps
from storage.models import Attendance, AuditEntry, Body, Meeting
from tests.harness import C_MAIN, C_PT, U_ADMIN, U_CHAIR, U_MEMBER, U_OTHER, U_SEC, Harness
from tests.slackbench import payloads


def test_setup_then_schedule_announces_with_ics(harness: Harness) -> None:
    answer = harness.setup_body()
    assert "行政情報化推進本部" in answer.text
    meeting_id = harness.schedule("2027-06-24", "11:00-12:00")

    posts = [m for m in harness.slack.messages(channel=C_MAIN) if m.thread_ts is None]
    assert len(posts) == 1
    text = posts[0].text
    for expected in ("令和9年度", "第1回", "令和9年6月24日（木）", "11:00", "庁議室（本庁舎5階）"):
        assert expected in text, (expected, text)
    actions = [b for b in posts[0].blocks if b["type"] == "actions"]
    assert [e["value"] for e in actions[0]["elements"]] == [str(meeting_id)] * 2

    files = harness.slack.files(channel=C_MAIN)
    assert len(files) == 1 and files[0].name.endswith(".ics")
    assert files[0].thread_ts == posts[0].ts
    event = next(iter(Calendar.from_ical(files[0].content).walk("VEVENT")))
    start = event.decoded("dtstart")
    assert (start.year, start.month, start.day, start.hour, start.minute) == (2027, 6, 24, 11, 0)
    assert str(start.tzinfo) == "Asia/Tokyo"

    with harness.deps.session_factory() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        assert (meeting.announcement_channel, meeting.announcement_ts) == (C_MAIN, posts[0].ts)


def test_numbering_follows_start_time_within_fiscal_year(harness: Harness) -> None:
    harness.setup_body()
    later = harness.schedule("2027-09-23", "10:00-11:00")
    harness.schedule("2027-06-24", "11:00-12:00")
    harness.schedule("2028-04-20", "10:00-11:00")  # FY2028: numbering starts again
    listing = harness.command("/meeting", "list fy=all").text
    lines = [line for line in listing.splitlines() if line.startswith("•")]
    assert "令和9年6月24日" in lines[0] and "第1回" in lines[0]
    assert f"M{later}" in lines[1] and "第2回" in lines[1]
    assert "令和10年度 第1回" in lines[2]
    harness.command("/meeting", "cancel M2 都合により")
    listing = harness.command("/meeting", "list").text
    assert "第1回" in listing.split(f"M{later}")[1].splitlines()[0]


def test_pt_meetings_appear_in_parent_list_and_channel(harness: Harness) -> None:
    harness.setup_body()
    answer = harness.command(
        "/meeting", "setup システム標準化PT parent=行政情報化推進本部", channel=C_PT
    )
    assert "システム標準化PT" in answer.text
    harness.schedule("2027-06-10", "15:00-16:00", channel=C_PT)
    parent_list = harness.command("/meeting", "list").text
    assert "システム標準化PT" in parent_list
    assert any("システム標準化PT" in m.text for m in harness.slack.messages(channel=C_MAIN))
    assert harness.slack.messages(channel=C_PT)


def test_non_secretariat_is_refused_and_nothing_is_written(harness: Harness) -> None:
    harness.setup_body()
    for user in (U_MEMBER, U_OTHER, U_CHAIR):
        answer = harness.command("/meeting", "schedule 2027-06-24 11:00-12:00", user=user)
        assert answer.status == 200
        assert "事務局" in answer.text
    with harness.deps.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Meeting)) == 0
    assert harness.slack.messages(channel=C_MAIN) == []
    # A workspace admin may.
    admin = harness.command("/meeting", "schedule 2027-06-24 11:00-12:00", user=U_ADMIN)
    assert "M1" in admin.text


def test_mistakes_name_the_problem_and_the_right_form(harness: Harness) -> None:
    harness.setup_body()
    cases = {
        "schedule 2027-06-24": "日付と時間帯",
        "schedule 2027-02-30 11:00-12:00": "2027-02-30",
        "schedule 2027-06-24 12:00-11:00": "終了時刻",
        "schedule 2027-06-24 11:00-12:00 colour=blue": "colour",
        "schedule 2020-06-24 11:00-12:00": "過去",
        "move M99 2027-06-24 11:00-12:00": "M99",
        "frobnicate": "frobnicate",
        'setup "unterminated': "引用符",
    }
    for text, expected in cases.items():
        answer = harness.command("/meeting", text)
        assert answer.status == 200
        assert expected in answer.text, (text, answer.text)
        assert "/meeting" in answer.text, (text, answer.text)
    with harness.deps.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Meeting)) == 0


def test_full_width_input_and_japanese_forms(harness: Harness) -> None:
    harness.setup_body()
    answer = harness.command("/meeting", "schedule　令和９年６月２４日　１１時－１２時")
    assert "M1" in answer.text
    answer = harness.command("/meeting", "schedule R9.7.1 13:30〜15:00 place=「第二会議室 A」")
    assert "M2" in answer.text
    with harness.deps.session_factory() as s:
        second = s.get(Meeting, 2)
        assert second is not None and second.place == "第二会議室 A"


def test_attendance_buttons_record_once(harness: Harness) -> None:
    harness.setup_body()
    meeting_id = harness.schedule()
    for _ in range(2):
        harness.action("meeting_attend", str(meeting_id), user=U_MEMBER)
    harness.action("meeting_absent", str(meeting_id), user=U_CHAIR)
    with harness.deps.session_factory() as s:
        rows = s.execute(select(Attendance.user_id, Attendance.status)).all()
    assert sorted(rows) == sorted([(U_MEMBER, "present"), (U_CHAIR, "absent")])


def test_move_and_cancel_update_the_announcement(harness: Harness) -> None:
    harness.setup_body()
    meeting_id = harness.schedule()
    moved = harness.command("/meeting", f"move M{meeting_id} 2027-06-25 14:00-15:00")
    assert "令和9年6月25日" in moved.text
    updates = harness.slack.calls("chat.update")
    assert updates and "令和9年6月25日" in updates[-1].params["text"]
    harness.command("/meeting", f"cancel M{meeting_id} 議題なしのため")
    thread = harness.slack.messages(channel=C_MAIN)
    assert any("中止" in m.text for m in thread)
    announcement = harness.slack.calls("chat.update")[-1].params
    assert "は中止になりました" in announcement["text"] and "議題なしのため" in announcement["text"]
    assert "出欠" not in announcement["text"] and "actions" not in str(announcement["blocks"])
    again = harness.command("/meeting", f"cancel M{meeting_id}").text
    assert "「中止」" in again and "cancelled" not in again
    assert f"M{meeting_id}" in harness.command("/meeting", "list all").text


def test_config_member_and_start_end(harness: Harness) -> None:
    harness.setup_body()
    answer = harness.command(
        "/meeting", "config agenda_deadline=3bd reminders=2bd,30m disclosure=closed"
    )
    assert "会議の3開庁日前" in answer.text and "会議の2開庁日・30分前" in answer.text
    assert "理由が設定されていません" in answer.text
    with harness.deps.session_factory() as s:
        meetings_before = s.scalar(select(func.count()).select_from(Meeting))
    refused = harness.command("/meeting", "schedule 2027-06-24 11:00-12:00").text
    assert "理由が必要です" in refused and "reason=" in refused
    with harness.deps.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Meeting)) == meetings_before
    reasoned = harness.command("/meeting", "config reason=個人情報を含むため").text
    assert "理由が設定されていません" not in reasoned
    bad = harness.command("/meeting", "config agenda_deadline=soon")
    assert "soon" in bad.text
    extra = harness.command("/meeting", f"member <@{U_CHAIR}> chair 副区長").text
    assert "余分な語「副区長」" in extra and "title=" in extra
    member = harness.command("/meeting", f"member <@{U_CHAIR}|honbucho> chair title=副区長")
    assert "副区長" in member.text
    meeting_id = harness.schedule()
    with harness.deps.session_factory() as s:
        meeting = s.get(Meeting, meeting_id)
        body = s.scalar(select(Body))
        assert meeting is not None and body is not None
        assert meeting.disclosure == "closed" and body.agenda_deadline == "3bd"
        start = meeting.starts_at
    harness.clock.set(start + timedelta(minutes=2))
    assert "11:02" in harness.command("/meeting", "start").text
    harness.clock.set(start + timedelta(minutes=58))
    assert "11:58" in harness.command("/meeting", "end").text
    harness.clock.set(start + timedelta(minutes=75))
    again = harness.command("/meeting", f"end M{meeting_id}").text
    assert "すでに終了" in again
    assert "進行中の会議はありません" in harness.command("/meeting", "end").text
    with harness.deps.session_factory() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None and meeting.status == "held"


def test_help_lists_every_subcommand(harness: Harness) -> None:
    text = harness.command("/meeting", "help", user=U_SEC).text
    for name in ("setup", "member", "config", "schedule", "list", "show", "move", "cancel"):
        assert f"/meeting {name}" in text


def test_schedule_modal_opens_validates_and_schedules(harness: Harness) -> None:
    harness.setup_body()
    answer = harness.command("/meeting", "schedule")
    assert answer.status == 200 and answer.text == ""
    opened = harness.slack.calls("views.open")
    assert len(opened) == 1
    view = opened[0].params["view"]
    view = view if isinstance(view, dict) else json.loads(view)
    assert view["callback_id"] == "meeting_schedule"
    metadata = view["private_metadata"]

    bad = harness.submit(
        "meeting_schedule",
        {"date": {"value": "6月31日"}, "time": {"value": "12:00-11:00"}},
        private_metadata=metadata,
    )
    assert bad.body["response_action"] == "errors"
    assert set(bad.body["errors"]) == {"date", "time"}
    with harness.deps.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Meeting)) == 0

    good = harness.submit(
        "meeting_schedule",
        {
            "date": {"value": "６月２４日"},
            "time": {"value": "11時-12時"},
            "place": {"value": "第一会議室"},
        },
        private_metadata=metadata,
    )
    assert good.status == 200
    posts = [m for m in harness.slack.messages(channel=C_MAIN) if m.thread_ts is None]
    assert len(posts) == 1 and "第一会議室" in posts[0].text and "令和9年6月24日" in posts[0].text

    refused = harness.submit(
        "meeting_schedule",
        {"date": {"value": "6月25日"}, "time": {"value": "11時-12時"}},
        user=U_OTHER,
        private_metadata=metadata,
    )
    assert refused.body["response_action"] == "errors"
    assert "事務局" in refused.body["errors"]["body"]

    def submit(**values: str) -> dict[str, str]:
        fields = {k: {"value": v} for k, v in values.items() if k != "disclosure"}
        if "disclosure" in values:
            option = {"selected_option": {"value": values["disclosure"]}}
            fields["disclosure"] = {"value": {"type": "static_select", **option}}
        answer = harness.submit("meeting_schedule", fields, private_metadata=metadata)
        return dict(answer.body.get("errors", {})) if answer.body else {}

    clash = submit(date="6月24日", time="11:30-12:30")
    assert set(clash) == {"time"} and "M" in clash["time"] and len(clash["time"]) <= 150
    closed = submit(date="6月25日", time="11:00-12:00", disclosure="closed")
    assert set(closed) == {"reason"} and "理由" in closed["reason"]
    assert submit(date="6月25日", time="11:00-12:00", disclosure="closed", reason="人事案件") == {}
    with harness.deps.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Meeting)) == 2


def test_announcement_survives_rate_limits_and_server_errors(harness: Harness) -> None:
    harness.setup_body()
    harness.slack.fail_next("chat.postMessage", status=429, retry_after=1)
    harness.slack.fail_next("chat.postMessage", status=500)
    harness.schedule()
    posts = [m for m in harness.slack.messages(channel=C_MAIN) if m.thread_ts is None]
    assert len(posts) == 1  # retried until delivered, and delivered once
    assert len(harness.slack.failed_calls("chat.postMessage")) == 2


def test_english_workspace(harness: Harness) -> None:
    config = replace(harness.deps.config, lang="en")
    deps = Deps(config=config, session_factory=harness.deps.session_factory, clock=harness.clock)
    english = Harness(
        create_app(deps, client=harness.app.client, process_before_response=True),
        harness.slack,
        deps,
        harness.spec,
    )
    assert "Set up" in english.setup_body().text
    english.schedule("2027-06-24", "11:00-12:00")
    post = next(m for m in harness.slack.messages(channel=C_MAIN) if m.thread_ts is None)
    for expected in ("FY2027", "Meeting No. 1", "2027-06-24 (Thu)", "11:00", "Attend"):
        assert expected in post.text + str(post.blocks), expected
    mistake = english.command("/meeting", "schedule 2027-02-30 11:00-12:00").text
    assert "Right form: /meeting schedule" in mistake
    refused = english.command("/meeting", "cancel M1", user=U_OTHER).text
    assert "Only the secretariat" in refused and "cancel meetings" in refused


def test_next_and_japanese_fiscal_years_and_template_check(harness: Harness) -> None:
    harness.setup_body()
    first = harness.schedule("2027-06-24", "11:00-12:00")
    moved = harness.command("/meeting", "move next 2027-06-25 11:00ー12:00")
    assert f"M{first}" in moved.text and "令和9年6月25日" in moved.text
    for fy in ("令和9年度", "R9", "r9", "2027", "FY2027"):
        listing = harness.command("/meeting", f"list fy={fy}").text
        assert "令和9年6月25日" in listing, (fy, listing)
    assert "令和10" in harness.command("/meeting", "list fy=令和10").text
    assert "年度" in harness.command("/meeting", "list fy=昔").text  # names the mistake
    unknown = harness.command("/meeting", "config template=nonexistent").text
    assert "nonexistent" in unknown and "ja" in unknown
    assert "en" in harness.command("/meeting", "config template=en").text
    cancelled = harness.command("/meeting", "cancel next 延期のため")
    assert f"M{first}" in cancelled.text and "延期のため" in cancelled.text


def test_an_older_press_arriving_late_does_not_override_a_newer_one(harness: Harness) -> None:
    harness.setup_body()
    meeting_id = harness.schedule()

    def press(action_id: str, action_ts: str) -> None:
        payload = payloads.block_actions(
            action_id, str(meeting_id), U_MEMBER, C_MAIN, "1700000000.000100"
        )
        payload["actions"][0]["action_ts"] = action_ts
        harness._send(payload)

    press("meeting_absent", "1800000002.000000")
    press("meeting_attend", "1800000001.000000")  # pressed earlier, delivered later
    with harness.deps.session_factory() as s:
        assert s.scalar(select(Attendance.status)) == "absent"
    press("meeting_attend", "1800000003.000000")
    with harness.deps.session_factory() as s:
        assert s.scalar(select(Attendance.status)) == "present"
    told = [m.text for m in harness.slack.ephemerals(user=U_MEMBER)]
    assert told[-2:] == ["欠席で登録しました。", "出席で登録しました。"]


def test_text_longer_than_its_field_is_refused_on_both_databases(harness: Harness) -> None:
    harness.setup_body()
    long_place = "あ" * 301
    answer = harness.command("/meeting", f"schedule 2027-06-24 11:00-12:00 place={long_place}")
    assert "開催場所が長すぎます（301文字）" in answer.text and "300文字以内" in answer.text
    title = harness.command("/meeting", f"member <@{U_CHAIR}> chair title={'長' * 201}").text
    assert "役職が長すぎます" in title
    with harness.deps.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Meeting)) == 0
    assert harness.slack.messages(channel=C_MAIN) == []


def test_other_announcements_follow_the_numbering(harness: Harness) -> None:
    harness.setup_body()
    later = harness.schedule("2027-09-23", "10:00-11:00")
    first_text = next(m for m in harness.slack.messages(channel=C_MAIN) if m.blocks).text
    assert "第1回" in first_text
    harness.schedule("2027-06-24", "11:00-12:00")  # earlier: the September one is now 第2回
    updates = [c.params for c in harness.slack.calls("chat.update")]
    assert any("第2回" in u["text"] and "令和9年9月23日" in u["text"] for u in updates)
    harness.command("/meeting", "cancel M2")
    updates = [c.params for c in harness.slack.calls("chat.update")]
    latest = [u for u in updates if "令和9年9月23日" in u["text"]][-1]
    assert "第1回" in latest["text"], latest["text"]
    assert later == 1


def test_config_without_settings_shows_them_and_changes_nothing(harness: Harness) -> None:
    harness.setup_body()
    harness.command("/meeting", "config agenda_deadline=3bd reminders=2bd,30m")
    with harness.deps.session_factory() as s:
        audited = s.scalar(select(func.count()).select_from(AuditEntry))

    shown = harness.command("/meeting", "config", user=U_MEMBER).text

    assert "現在の設定" in shown and "会議の3開庁日前" in shown and "会議の2開庁日・30分前" in shown
    assert "agenda_deadline=5bd" in shown  # how to change one
    with harness.deps.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == audited
    refused = harness.command("/meeting", "config 3bd").text
    assert "key=value" in refused and "/meeting config" in refused


def test_one_body_cannot_sit_twice_at_once(harness: Harness) -> None:
    harness.setup_body()
    first = harness.schedule("2027-06-24", "11:00-12:00")
    with harness.deps.session_factory() as s:
        before = s.scalar(select(func.count()).select_from(Meeting))
    posts = len(harness.slack.messages(channel=C_MAIN))

    twice = harness.command("/meeting", "schedule 2027-06-24 11:30-12:30").text

    assert f"M{first}" in twice and f"/meeting move M{first}" in twice
    with harness.deps.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Meeting)) == before
    assert len(harness.slack.messages(channel=C_MAIN)) == posts
    # Back to back is not an overlap; a PT may meet at the same time as its parent.
    second = harness.schedule("2027-06-24", "12:00-13:00")
    assert second != first
    harness.setup_body("setup 電話PT parent=行政情報化推進本部", channel=C_PT)
    harness.schedule("2027-06-24", "11:00-12:00", channel=C_PT)
    # Moving a meeting onto another is refused; moving it within its own slot is not.
    onto = harness.command("/meeting", f"move M{second} 2027-06-24 11:00-12:00").text
    assert f"M{first}" in onto and "/meeting move" in onto
    assert "変更" in harness.command("/meeting", f"move M{first} 2027-06-24 11:00-11:45").text


def test_starting_long_before_the_scheduled_time_warns(harness: Harness) -> None:
    harness.setup_body()
    meeting_id = harness.schedule("2027-06-24", "11:00-12:00")
    with harness.deps.session_factory() as s:
        start = s.get(Meeting, meeting_id).starts_at  # type: ignore[union-attr]
    harness.clock.set(start - timedelta(days=2))

    early = harness.command("/meeting", f"start M{meeting_id}").text

    assert "12時間以上早く" in early and "令和9年6月24日" in early
    with harness.deps.session_factory() as s:
        assert s.get(Meeting, meeting_id).actual_start is not None  # type: ignore[union-attr]
    later = harness.schedule("2027-07-01", "11:00-12:00")
    with harness.deps.session_factory() as s:
        start = s.get(Meeting, later).starts_at  # type: ignore[union-attr]
    harness.clock.set(start - timedelta(minutes=10))
    assert "12時間以上" not in harness.command("/meeting", f"start M{later}").text


def test_show_gives_deadlines_disclosure_reasons_and_answers(harness: Harness) -> None:
    harness.setup_body()
    harness.command("/meeting", "config agenda_deadline=5bd materials_deadline=2bd")
    meeting_id = harness.schedule(
        "2027-07-21", "11:00-12:00", extra="disclosure=closed reason=個人情報を含むため"
    )
    harness.action("meeting_attend", str(meeting_id), user=U_CHAIR)

    shown = harness.command("/meeting", f"show M{meeting_id}").text

    # 5 business days before Wed 21 July 2027 skips 海の日 (Mon 19 July): Tue 13 July.
    assert "議題の提出期限: 令和9年7月13日（火） 11:00" in shown, shown
    assert "資料の提出期限: 令和9年7月16日（金） 11:00" in shown, shown
    assert "非公開（理由: 個人情報を含むため）" in shown
    assert "出席 1、欠席 0" in shown
    assert "確定済み" not in shown


def test_start_names_late_items_still_awaiting_a_decision(harness: Harness) -> None:
    harness.setup_body()
    # Thu 2027-05-13: its agenda deadline (five business days before) passed on 05-06.
    meeting_id = harness.schedule("2027-05-13", "11:00-12:00")
    harness.command("/agenda", "add 報告 期限後の報告", user=U_MEMBER)
    harness.command("/agenda", "add 議案 期限後の議案", user=U_MEMBER)
    harness.command("/agenda", "accept A2")
    with harness.deps.session_factory() as s:
        start = s.get(Meeting, meeting_id).starts_at  # type: ignore[union-attr]
    harness.clock.set(start)

    started = harness.command("/meeting", "start").text

    assert "まだ受理も却下もしていない議題があります: A1。" in started
    assert "/agenda accept" in started and "期限後の報告" not in started


def test_closed_minutes_need_a_reason_too(harness: Harness) -> None:
    harness.setup_body()
    configured = harness.command("/meeting", "config minutes_disclosure=closed").text
    assert "会議録を非公開にする理由" in configured and "minutes_reason=" in configured

    refused = harness.command("/meeting", "schedule 2027-06-24 11:00-12:00").text

    assert "会議録には理由が必要です" in refused and "minutes_reason=" in refused
    with harness.deps.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Meeting)) == 0
    harness.command("/meeting", "config minutes_reason=発言者の個人情報を含むため")
    meeting_id = harness.schedule("2027-06-24", "11:00-12:00")
    with harness.deps.session_factory() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None and meeting.disclosure == "public"
        assert meeting.minutes_disclosure == "closed"
        assert meeting.minutes_disclosure_reason == "発言者の個人情報を含むため"
