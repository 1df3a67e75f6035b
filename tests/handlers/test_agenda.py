"""/agenda through real bolt dispatch of signed requests, against the fake Slack."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import func, select

from storage.models import AgendaItem, Material
from tests.harness import C_MAIN, U_CHAIR, U_MEMBER, U_OTHER, U_SEC, Harness
from tests.slackbench import payloads


def _item_posts(harness: Harness) -> list[Any]:
    return [m for m in harness.slack.messages(channel=C_MAIN) if m.text.startswith(":memo:")]


def _ref(text: str) -> str:
    found = re.search(r"A\d+", text)
    assert found, text
    return found.group(0)


def test_add_list_and_clock_times(harness: Harness) -> None:
    harness.setup_body()
    harness.schedule("2027-06-24", "11:00-12:00")
    first = harness.command("/agenda", "add 確認 今年度の開催予定等について minutes=5")
    assert "確認事項（1）" in first.text and "A1" in first.text
    harness.command(
        "/agenda",
        "add 議案 「次期電話システムの選定について」 presenter=情報管理課 minutes=20分",
        user=U_MEMBER,
    )
    harness.command("/agenda", "add report システム標準化の進捗について private=yes minutes=10")
    listing = harness.command("/agenda", "list")
    text = "\n".join(b["text"]["text"] for b in listing.body["blocks"])
    assert text.index("*確認事項*") < text.index("*議案*") < text.index("*報告事項*")
    assert "（1）今年度の開催予定等について" in text and "11:00～11:05（5分）" in text
    assert "11:05～11:25（20分）" in text and "説明: 情報管理課" in text
    # The private report reads （非公開） in a public channel, even for the secretariat.
    assert "11:25～11:35（10分）" in text and "（1）（非公開）" in text
    assert "システム標準化の進捗について" not in text and "【非公開】" not in text
    # Every item got its own message in the channel, whose thread is the item's thread.
    posts = _item_posts(harness)
    assert len(posts) == 3
    with harness.deps.session_factory() as s:
        threads = s.execute(select(AgendaItem.thread_ts).order_by(AgendaItem.id)).scalars().all()
    assert threads == [p.ts for p in posts]


def test_withdraw_renumbers_and_permissions_are_enforced(harness: Harness) -> None:
    harness.setup_body()
    harness.schedule()
    harness.command("/agenda", "add 議案 一つ目", user=U_MEMBER)
    harness.command("/agenda", "add 議案 二つ目", user=U_CHAIR)
    refused = harness.command("/agenda", "withdraw 議案1", user=U_OTHER)
    assert "自分が提出した議題" in refused.text and "A1" in refused.text
    assert "事務局" in harness.command("/agenda", "accept 議案1", user=U_MEMBER).text
    done = harness.command("/agenda", "withdraw 議案1", user=U_MEMBER)
    assert "取り下げ" in done.text
    # 議案1 now is the second item; its submitter may not be refused the others' items.
    assert "A2" in harness.command("/agenda", "accept 議案1").text
    rejected = harness.command("/agenda", "reject A2 資料不足のため")
    assert "資料不足のため" in rejected.text
    thread = _item_posts(harness)[1].ts
    notice = harness.slack.messages(channel=C_MAIN, thread_ts=thread)[-1]
    assert f"<@{U_CHAIR}>" in notice.text and "却下" in notice.text and "資料不足" in notice.text
    blocks = harness.command("/agenda", "list").body["blocks"]
    text = "\n".join(b["text"]["text"] for b in blocks)
    assert "（議題はまだありません）" in text and "議題から外れたもの" in text
    assert "A1 議案「一つ目」〔取り下げ〕" in text
    assert "A2 議案「二つ目」〔却下: 資料不足のため〕" in text


def test_an_item_withdrawn_and_submitted_again_goes_back_to_its_place(harness: Harness) -> None:
    harness.setup_body()
    harness.schedule()
    for title in ("一つ目", "二つ目", "三つ目"):
        harness.command("/agenda", f"add 議案 {title}", user=U_MEMBER)
    harness.command("/agenda", "withdraw 議案2", user=U_MEMBER)
    harness.command("/agenda", "add 議案 二つ目", user=U_MEMBER)
    with harness.deps.session_factory() as s:
        live = s.execute(
            select(AgendaItem.number, AgendaItem.title)
            .where(AgendaItem.status == "submitted")
            .order_by(AgendaItem.number)
        ).all()
    assert [tuple(row) for row in live] == [(1, "一つ目"), (2, "二つ目"), (3, "三つ目")]


def test_mistakes_name_the_problem_and_the_right_form(harness: Harness) -> None:
    harness.setup_body()
    no_meeting = harness.command("/agenda", "add 議案 件名")
    assert "議題を受け付けている会議" in no_meeting.text
    harness.schedule()
    cases = {
        "add 議案": "/agenda add",
        "add 会議 件名": "会議",
        "add 議案 件名 minutes=abc": "abc",
        "add 議案 件名 private=maybe": "maybe",
        "add 議案 件名 colour=blue": "colour",
        "withdraw": "/agenda withdraw",
        "withdraw 議案9": "議案9",
        "withdraw A99": "A99",
        "carry A99": "A99",
        "frobnicate": "frobnicate",
    }
    for text, expected in cases.items():
        answer = harness.command("/agenda", text, user=U_MEMBER)
        assert answer.status == 200
        assert expected in answer.text, (text, answer.text)
    with harness.deps.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(AgendaItem)) == 0


def test_late_submission_is_flagged_to_the_secretariat(harness: Harness) -> None:
    harness.setup_body()
    # Thu 2027-05-13: five business days before is Thu 05-06, before today (Mon 05-10).
    harness.schedule("2027-05-13", "11:00-12:00")
    answer = harness.command("/agenda", "add 報告 期限後の報告", user=U_MEMBER)
    assert "期限後の提出" in answer.text and "令和9年5月6日（木） 11:00" in answer.text
    post = _item_posts(harness)[0]
    assert f"<@{U_SEC}>" in post.text
    buttons = [b for b in post.blocks or [] if b["type"] == "actions"][0]["elements"]
    assert [b["action_id"] for b in buttons] == ["agenda_accept_late", "agenda_reject_late"]
    harness.action("agenda_accept_late", buttons[0]["value"], user=U_MEMBER, message_ts=post.ts)
    refusal = harness.slack.ephemerals(user=U_MEMBER)[-1]
    assert "事務局" in refusal.text
    harness.action("agenda_accept_late", buttons[0]["value"], user=U_SEC, message_ts=post.ts)
    updated = harness.slack.message(C_MAIN, post.ts)
    assert updated is not None and "受理" in updated.text
    assert not [b for b in updated.blocks or [] if b["type"] == "actions"]
    with harness.deps.session_factory() as s:
        item = s.get(AgendaItem, 1)
        assert item is not None and item.late and item.status == "accepted"


def test_a_holiday_moves_the_deadline_shown(harness: Harness) -> None:
    harness.setup_body()
    harness.schedule("2027-07-20", "11:00-12:00")  # Tue after 海の日 (Mon 07-19)
    text = json.dumps(harness.command("/agenda", "list").body, ensure_ascii=False)
    assert "議題の提出期限: 令和9年7月12日（月） 11:00" in text


def test_modal_submission_with_materials(harness: Harness) -> None:
    harness.setup_body()
    meeting_id = harness.schedule()
    opened = harness.command("/agenda", "", user=U_MEMBER)
    assert "フォーム" in opened.text
    view = harness.slack.views()[-1].view
    assert view["callback_id"] == "agenda_submit"
    meeting_block = next(b for b in view["blocks"] if b["block_id"] == "meeting")
    assert meeting_block["element"]["options"][0]["value"] == str(meeting_id)
    values = {
        "meeting": {
            "value": {"type": "static_select", "selected_option": {"value": str(meeting_id)}}
        },
        "kind": {"value": {"type": "static_select", "selected_option": {"value": "proposal"}}},
        "title": {"value": "次期電話システムの選定について"},
        "presenter": {"value": "情報管理課"},
        "time_box": {"value": "１５分"},
        "private": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}},
        "materials": {"value": "概要 https://example.jp/a.pdf\n比較一覧\n\n"},
    }
    bad = harness.submit(
        "agenda_submit",
        {**values, "time_box": {"value": "長め"}},
        user=U_MEMBER,
        private_metadata=view["private_metadata"],
    )
    assert bad.body["response_action"] == "errors" and "time_box" in bad.body["errors"]
    answer = harness.submit(
        "agenda_submit", values, user=U_MEMBER, private_metadata=view["private_metadata"]
    )
    assert answer.status == 200 and not answer.body
    with harness.deps.session_factory() as s:
        item = s.scalars(select(AgendaItem)).one()
        assert (item.kind, item.number, item.private, item.time_box_minutes) == (
            "proposal",
            1,
            True,
            15,
        )
        mats = s.scalars(select(Material).order_by(Material.id)).all()
        assert [(m.title, m.url) for m in mats] == [
            ("概要", "https://example.jp/a.pdf"),
            ("比較一覧", None),
        ]
    assert "A1" in harness.slack.ephemerals(user=U_MEMBER)[-1].text
    assert len(_item_posts(harness)) == 1


def test_message_shortcut_prefills_the_modal_with_text_and_link(harness: Harness) -> None:
    harness.setup_body()
    meeting_id = harness.schedule()
    posted = harness.client().chat_postMessage(
        channel=C_MAIN, text="電話システムの更新について相談したい\n現行機は来年度で保守終了です"
    )
    message = {
        "type": "message",
        "text": posted["message"]["text"],
        "ts": posted["ts"],
        "user": U_MEMBER,
    }
    answer = harness.shortcut("add_agenda_item", message, user=U_MEMBER)
    assert answer.status == 200
    view = harness.slack.views()[-1].view
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["title"]["element"]["initial_value"] == "電話システムの更新について相談したい"
    assert "保守終了" in blocks["summary"]["element"]["initial_value"]
    link = json.loads(view["private_metadata"])["link"]
    assert link and posted["ts"].replace(".", "") in link
    values = {
        "meeting": {
            "value": {"type": "static_select", "selected_option": {"value": str(meeting_id)}}
        },
        "kind": {"value": {"type": "static_select", "selected_option": {"value": "proposal"}}},
        "title": {"value": blocks["title"]["element"]["initial_value"]},
        "summary": {"value": blocks["summary"]["element"]["initial_value"]},
    }
    harness.submit(
        "agenda_submit", values, user=U_MEMBER, private_metadata=view["private_metadata"]
    )
    with harness.deps.session_factory() as s:
        item = s.scalars(select(AgendaItem)).one()
        assert item.source_link == link and item.submitter_id == U_MEMBER


def test_shortcut_where_no_body_is_set_up_explains_why(harness: Harness) -> None:
    message = {"type": "message", "text": "hello", "ts": "1700000000.000200", "user": U_MEMBER}
    harness.shortcut("add_agenda_item", message, user=U_MEMBER)
    assert "/meeting setup" in harness.slack.ephemerals(user=U_MEMBER)[-1].text
    assert harness.slack.views() == []


def test_file_shared_in_an_item_thread_becomes_its_material(harness: Harness) -> None:
    harness.setup_body()
    harness.schedule()
    harness.command("/agenda", "add 議案 次期電話システムの選定について", user=U_MEMBER)
    thread = _item_posts(harness)[0].ts
    event = payloads.message_event(
        "",
        U_MEMBER,
        C_MAIN,
        thread_ts=thread,
        subtype="file_share",
        files=[{"id": "F0PHONE1", "name": "比較一覧.xlsx"}],
    )
    for _ in range(2):  # a second delivery under another event id is still one material
        harness.event(event)
    listing = harness.command("/materials", "list").text
    assert "資料1　比較一覧" in listing
    with harness.deps.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Material)) == 1


def test_carry_and_lock(harness: Harness) -> None:
    harness.setup_body()
    first = harness.schedule("2027-06-24", "11:00-12:00")
    second = harness.schedule("2027-09-22", "11:00-12:00")
    harness.command("/agenda", "add 議案 繰り越す議案")
    harness.command("/materials", "add A1 資料その1")
    carried = harness.command("/agenda", f"carry A1 to=M{second}")
    assert "A2" in carried.text and "資料 1 件" in carried.text
    assert "事務局" in harness.command("/agenda", f"lock M{first}", user=U_MEMBER).text
    locked = harness.command("/agenda", f"lock M{second}")
    assert "確定しました" in locked.text
    assert "すでに確定" in harness.command("/agenda", f"lock M{second}").text
    posted = [m for m in harness.slack.messages(channel=C_MAIN) if "議題*（確定）" in m.text]
    assert posted and "資料1" in json.dumps(posted[-1].blocks, ensure_ascii=False)


def test_a_long_agenda_is_split_within_slack_limits(harness: Harness) -> None:
    harness.setup_body()
    harness.schedule()
    long_title = "長い件名" * 100  # 400 characters
    now = harness.clock.now()
    with harness.deps.unit_of_work() as s:
        for n in range(150):
            item = AgendaItem(
                meeting_id=1,
                kind="report",
                number=n + 1,
                title=f"{n}{long_title}",
                submitter_id=U_SEC,
                status="accepted",
                created_at=now,
            )
            item.materials = [
                Material(title=f"{n}-{k}" + "資料" * 200, added_by=U_SEC, created_at=now)
                for k in range(2)
            ]
            s.add(item)
    answer = harness.command("/agenda", "list")
    blocks = answer.body["blocks"]
    assert len(blocks) <= 50 and all(len(b["text"]["text"]) <= 3000 for b in blocks)
    more = harness.slack.ephemerals(user=U_SEC)
    assert more, "the rest of the agenda follows in further messages"
    shown = "".join(b["text"]["text"] for b in blocks) + "".join(
        b["text"]["text"] for m in more for b in m.blocks or []
    )
    assert all(f"（{n + 1}）{n}長い件名" in shown for n in range(150))
    harness.command("/agenda", "post")
    for message in harness.slack.messages(channel=C_MAIN):
        assert len(message.blocks or []) <= 50
