"""/minutes over real bolt dispatch: the reference meeting entered through commands, drafted
as Markdown and Word, refused where it must not go, sent by DM, published.

The reference meeting is 非公開 (its minutes 一部非公開), so its body works in a private
channel (C_PRIVATE): that is where its item threads, and so its notes, can be.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from storage.models import AgendaItem, Meeting, MinutesDraft
from tests.harness import (
    C_MAIN,
    C_PRIVATE,
    C_SHARED,
    U_ADMIN,
    U_CHAIR,
    U_MEMBER,
    U_OTHER,
    U_SEC,
    Harness,
)
from tests.slackbench import payloads
from tests.unit.test_minutes import FULL_ORDER, assert_in_order, docx_text
from tests.unit.test_minutes_reference import ITEMS, MINUTES_REASON, REASON, local

HOSTILE = "{{ 7*7 }} <!channel>"
SECRETS = ("次期電話", "各システムの比較一覧", "政経部で練って", "2025年10月に現行サービス")


def _item_thread(harness: Harness, kind: str, number: int) -> str:
    with harness.deps.session_factory() as s:
        item = s.scalar(
            select(AgendaItem).where(AgendaItem.kind == kind, AgendaItem.number == number)
        )
        assert item is not None and item.thread_ts is not None
        return item.thread_ts


def _reply(
    harness: Harness, text: str, thread_ts: str, user: str = U_SEC, channel: str = C_PRIVATE
) -> None:
    answer = harness.event(payloads.message_event(text, user, channel, thread_ts=thread_ts))
    assert answer.status == 200


def enter_reference(harness: Harness) -> int:
    """The reference meeting through commands, buttons and thread replies, in the body's
    private channel; its id."""
    channel = C_PRIVATE
    harness.setup_body(
        "setup 行政情報化推進本部 secretariat=政策経営部情報管理課 place=庁議室（本庁舎5階）",
        channel=channel,
    )
    for user, role, title in (
        (U_CHAIR, "chair", "副区長"),
        (U_ADMIN, "vice_chair", "政策経営部長"),
        (U_MEMBER, "member", "総務部長"),
        (U_OTHER, "member", "区民部長"),
        (U_SEC, "secretariat", "情報担当係長（管理）"),
    ):
        assert (
            "登録しました"
            in harness.command(
                "/meeting", f"member <@{user}> {role} title={title}", channel=channel
            ).text
        )
    config = (
        f"config disclosure=closed reason={REASON}"
        f" minutes_disclosure=partial minutes_reason={MINUTES_REASON}"
    )
    assert harness.command("/meeting", config, channel=channel).status == 200
    meeting_id = harness.schedule("2027-06-24", "11:00-12:00", channel=channel)
    kinds = {"confirm": "確認", "proposal": "議案", "report": "報告"}
    counters: dict[str, int] = {}
    for kind, title, presenter, summary, docs in ITEMS:
        counters[kind] = counters.get(kind, 0) + 1
        text = f"add {kinds[kind]} {title}"
        text += f" presenter={presenter}" if presenter else ""
        text += f" summary={summary}" if summary else ""
        text += " private=yes" if title.startswith("次期電話") else ""
        assert "A" in harness.command("/agenda", text, channel=channel).text
        for doc in docs:
            added = harness.command(
                "/materials", f"add {kinds[kind]}{counters[kind]} {doc}", channel=channel
            )
            assert "資料" in added.text, added.text
    harness.action("meeting_absent", str(meeting_id), user=U_OTHER, channel=channel)
    harness.action("meeting_attend", str(meeting_id), user=U_CHAIR, channel=channel)

    harness.clock.set(local(11, 0))
    assert "11:00" in harness.command("/meeting", "start", channel=channel).text
    first, second = _item_thread(harness, "proposal", 1), _item_thread(harness, "proposal", 2)
    harness.clock.set(local(11, 20))
    _reply(
        harness,
        "本部長：延期することでオンライン化300件という目標を達成できないことはあるか。",
        first,
    )
    _reply(harness, "無いと考えている。", first)
    _reply(harness, "電子契約書について10月から検討している。", first, user=U_MEMBER)
    noted = harness.command("/minutes", f"note 議案1 {HOSTILE}", channel=channel)
    assert "&lt;!channel&gt;" in noted.text and "<!channel>" not in noted.text
    assert "{{ 7*7 }}" in noted.text
    harness.command(
        "/minutes",
        "note 議案2\n本部長：もう一度政経部で練って判断することにする。",
        channel=channel,
    )
    assert second  # 議案2's notes came by command; its thread exists all the same
    assert "D" in harness.command("/decision", "議案1 承認", channel=channel).text
    assert "D" in harness.command("/decision", "議案2 再検討", channel=channel).text
    harness.clock.set(local(11, 58))
    assert "11:58" in harness.command("/meeting", "end", channel=channel).text
    return meeting_id


def _snapshot(harness: Harness, channel: str) -> tuple[int, int, int]:
    return (
        len(harness.slack.messages(channel=channel)),
        len(harness.slack.files(channel=channel)),
        len(harness.slack.ephemerals(channel=channel)),
    )


def _button(answer: Any) -> dict[str, Any]:
    blocks = answer.body["blocks"]
    return next(b for b in blocks if b["type"] == "actions")["elements"][0]


def test_reference_meeting_drafted_refused_sent_by_dm_and_published(harness: Harness) -> None:
    meeting_id = enter_reference(harness)

    # At the start: one message per item, in full, in the body's private channel.
    item_posts = [
        m for m in harness.slack.messages(channel=C_PRIVATE) if m.text.startswith(":pushpin:")
    ]
    assert len(item_posts) == 6 and all(m.thread_ts is None for m in item_posts)
    closed = next(m for m in item_posts if "議案（2）" in m.text)
    assert "次期電話システムの選定について" in closed.text
    with harness.deps.session_factory() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None and meeting.items_posted_at is not None
        announcement = meeting.announcement_ts
    index = harness.slack.messages(channel=C_PRIVATE, thread_ts=announcement)
    assert any("議事を開始しました" in m.text for m in index)
    assert not any(secret in m.text for m in harness.slack.messages(C_MAIN) for secret in SECRETS)

    # Asked in a public and in a shared channel: refused, nothing of it posted there.
    for channel, why in ((C_MAIN, "公開チャンネル"), (C_SHARED, "他の組織と共有")):
        text = f"M{meeting_id}"
        before = _snapshot(harness, channel)
        refused = harness.command("/minutes", f"draft {text}", channel=channel)
        assert why in refused.text and "非公開の内容を含むため（会議: 非公開" in refused.text
        assert "含むのため" not in refused.text
        assert _snapshot(harness, channel) == before
        assert not any(secret in json.dumps(refused.body, ensure_ascii=False) for secret in SECRETS)
        assert _button(refused)["action_id"] == "minutes_send_dm"
    with harness.deps.session_factory() as s:
        assert s.scalars(select(MinutesDraft)).all() == []

    # In a private channel not shared with anyone: the summary and both files.
    done = harness.command("/minutes", f"draft M{meeting_id}", channel=C_PRIVATE)
    assert "第1版" in done.text, done.text
    posts = harness.slack.messages(channel=C_PRIVATE, thread_ts=announcement)
    assert [m.thread_ts for m in posts if "議事録案 第1版" in m.text] == [announcement]
    files = {
        f.name.rsplit(".", 1)[-1]: f
        for f in harness.slack.files(channel=C_PRIVATE)
        if f.name.startswith("minutes-")
    }
    assert sorted(files) == ["docx", "md"]
    markdown = files["md"].content.decode("utf-8")
    assert_in_order(markdown, FULL_ORDER)
    assert_in_order(docx_text(files["docx"].content), ("会 議 録", *FULL_ORDER))
    for text in (markdown, docx_text(files["docx"].content)):
        assert HOSTILE in text and "49" not in text.replace("2049", "")

    # The button in the refusal: the full draft in a DM to whoever pressed it.
    refused = harness.command("/minutes", f"draft M{meeting_id}", channel=C_MAIN)
    before = _snapshot(harness, C_MAIN)
    harness.action("minutes_send_dm", _button(refused)["value"], user=U_SEC, channel=C_MAIN)
    assert _snapshot(harness, C_MAIN)[:2] == before[:2]  # only the ephemeral "sent to your DM"
    opened = harness.slack.calls("conversations.open")
    assert opened and opened[-1].params.get("users") == U_SEC
    dm_files = [f for f in harness.slack.files() if any(c.startswith("D") for c in f.channels)]
    assert sorted(f.name for f in dm_files) == [
        f"minutes-M{meeting_id}-v2.docx",
        f"minutes-M{meeting_id}-v2.md",
    ]
    assert "次期電話" in next(f for f in dm_files if f.name.endswith(".md")).content.decode()
    assert any("DM に送りました" in e.text for e in harness.slack.ephemerals(C_MAIN, U_SEC))
    stranger = harness.action("minutes_send_dm", _button(refused)["value"], user=U_OTHER)
    assert stranger.status == 200
    assert any("事務局" in e.text for e in harness.slack.ephemerals(C_MAIN, U_OTHER))
    assert (
        len([f for f in harness.slack.files() if any(c.startswith("D") for c in f.channels)]) == 2
    )

    # Publishing posts the public version in the meeting's thread and records it.
    published = harness.command("/minutes", "publish", channel=C_PRIVATE)
    assert "公開" in published.text and "第3版" in published.text
    public_files = [
        f
        for f in harness.slack.files(channel=C_PRIVATE)
        if f.name.endswith((".md", ".docx")) and "public" in f.name
    ]
    assert sorted(f.name for f in public_files) == [
        f"minutes-M{meeting_id}-v3-public.docx",
        f"minutes-M{meeting_id}-v3-public.md",
    ]
    assert all(f.thread_ts == announcement for f in public_files)
    for f in public_files:
        text = f.content.decode() if f.name.endswith(".md") else docx_text(f.content)
        assert "議案（2）（非公開）" in text and "―議題について案のとおり承認―" in text
        assert not any(secret in text for secret in SECRETS)
    for message in harness.slack.messages():
        assert "<!channel>" not in message.text
    with harness.deps.session_factory() as s:
        rows = s.scalars(select(MinutesDraft).order_by(MinutesDraft.version)).all()
        assert [(r.version, r.public, r.published) for r in rows] == [
            (1, False, False),
            (2, False, False),
            (3, True, True),
        ]


def _public_meeting(harness: Harness) -> int:
    harness.setup_body()
    for user, role in ((U_CHAIR, "chair"), (U_MEMBER, "member")):
        assert harness.command("/meeting", f"member <@{user}> {role}").status == 200
    meeting_id = harness.schedule("2027-06-24", "11:00-12:00")
    harness.command(
        "/agenda", "add 議案 行政手続きのオンライン化について presenter=事務局", user=U_MEMBER
    )
    harness.command("/agenda", "add 報告 システム標準化の進捗について")
    harness.clock.set(local(11, 0))
    harness.command("/meeting", "start")
    return meeting_id


def test_mistakes_get_the_reason_and_the_right_form(harness: Harness) -> None:
    meeting_id = _public_meeting(harness)
    cases = {
        "frobnicate": "/minutes note|draft|publish",
        "note": "/minutes note <議題",
        "note 議案1": "/minutes note <議題",
        "note M3 発言": "/minutes note <議題",
        "note 議案9 発言": "proposal9",
        "draft foo": "/minutes draft [<会議>]",
        "draft template=../etc": "テンプレート名",
        "draft template=nothing": "en, ja",
        "draft public=maybe": "/minutes draft [<会議>]",
        "draft M999": "M999",
    }
    for text, expected in cases.items():
        answer = harness.command("/minutes", text)
        assert answer.status == 200
        assert expected in answer.text, (text, answer.text)
    refused = harness.command("/minutes", "draft", user=U_MEMBER)
    assert "事務局" in refused.text
    assert "事務局" in harness.command("/minutes", "publish", user=U_OTHER).text
    assert "/minutes draft" in harness.command("/minutes", "help").text
    with harness.deps.session_factory() as s:
        assert s.scalars(select(MinutesDraft)).all() == []
    assert not [f for f in harness.slack.files() if f.name.startswith("minutes-")]
    assert meeting_id


def test_public_version_on_request_goes_anywhere(harness: Harness) -> None:
    meeting_id = enter_reference(harness)
    answer = harness.command("/minutes", f"draft M{meeting_id} public=yes", channel=C_SHARED)
    assert "第1版" in answer.text
    files = harness.slack.files(channel=C_SHARED)
    assert len(files) == 2
    markdown = next(f for f in files if f.name.endswith(".md")).content.decode()
    assert "議案（2）（非公開）" in markdown and not any(s in markdown for s in SECRETS)


def test_in_a_private_channel_closed_items_are_posted_in_full(harness: Harness) -> None:
    harness.setup_body(channel=C_PRIVATE)
    harness.schedule("2027-06-24", "11:00-12:00", channel=C_PRIVATE)
    harness.command(
        "/agenda", "add 議案 次期電話システムの選定について private=yes", channel=C_PRIVATE
    )
    harness.clock.set(local(11, 0))
    harness.command("/meeting", "start", channel=C_PRIVATE)
    pins = [m for m in harness.slack.messages(channel=C_PRIVATE) if m.text.startswith(":pushpin:")]
    assert len(pins) == 1 and "次期電話システムの選定について" in pins[0].text
    answer = harness.command("/minutes", "draft", channel=C_PRIVATE)
    assert "会議のスレッド" in answer.text
    assert (
        len([f for f in harness.slack.files(channel=C_PRIVATE) if f.name.startswith("minutes-")])
        == 2
    )
