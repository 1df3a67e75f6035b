"""The ``message`` event router: replies in item threads are notes, edits and deletions
follow, files are materials, everything else is ignored."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import AgendaItem, Material, Meeting, Note
from tests.handlers.test_minutes import _item_thread, _public_meeting
from tests.harness import C_MAIN, U_CHAIR, U_MEMBER, U_OTHER, U_SEC, Harness
from tests.slackbench import payloads
from tests.unit.test_minutes import assert_in_order
from tests.unit.test_minutes_reference import local


def _pins(harness: Harness) -> list[str]:
    return [m.ts for m in harness.slack.messages(channel=C_MAIN) if m.text.startswith(":pushpin:")]


def _notes(harness: Harness) -> list[tuple[str | None, str, bool]]:
    with harness.deps.session_factory() as s:
        return [(n.speaker, n.text, n.deleted) for n in s.scalars(select(Note).order_by(Note.id))]


def test_replies_edits_and_deletions_in_an_item_thread_follow_into_the_draft(
    harness: Harness,
) -> None:
    meeting_id = _public_meeting(harness)
    pins = _pins(harness)
    assert len(pins) == 2
    assert harness.command("/meeting", "start").status == 200  # again: nothing posted twice
    assert _pins(harness) == pins

    thread = _item_thread(harness, "proposal", 1)
    assert thread == pins[0]
    kept = payloads.message_event("本部長：賛成です。", U_CHAIR, C_MAIN, thread_ts=thread)
    edited = payloads.message_event("部員：10月から検討", U_MEMBER, C_MAIN, thread_ts=thread)
    deleted = payloads.message_event("取り消す発言", U_MEMBER, C_MAIN, thread_ts=thread)
    for event in (kept, edited, deleted):
        harness.event(event)
    harness.event(kept)  # delivered again under another event id: still one note
    harness.event(
        payloads.message_event(
            "部員：10月から検討を始めている。",
            U_MEMBER,
            C_MAIN,
            edited["ts"],
            thread,
            subtype="message_changed",
            previous_text="部員：10月から検討",
        )
    )
    harness.event(
        payloads.message_event(
            "",
            U_MEMBER,
            C_MAIN,
            deleted["ts"],
            thread,
            subtype="message_deleted",
            previous_text="取り消す発言",
        )
    )
    bot_reply = payloads.message_event("ボットの発言", U_SEC, C_MAIN, thread_ts=thread)
    bot_reply["bot_id"] = "B0BOT"
    harness.event(bot_reply)
    harness.event(payloads.message_event("チャンネルでの雑談", U_MEMBER, C_MAIN))
    assert _notes(harness) == [
        ("本部長", "賛成です。", False),
        ("部員", "10月から検討を始めている。", False),
        (None, "取り消す発言", True),
    ]

    harness.clock.set(local(11, 45))
    harness.command("/meeting", "end")
    answer = harness.command("/minutes", "draft")
    assert "会議のスレッド" in answer.text
    with harness.deps.session_factory() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        announcement = meeting.announcement_ts
    files = [f for f in harness.slack.files(channel=C_MAIN) if f.name.startswith("minutes-")]
    assert sorted(f.name for f in files) == [
        f"minutes-M{meeting_id}-v1.docx",
        f"minutes-M{meeting_id}-v1.md",
    ]
    assert all(f.thread_ts == announcement for f in files)
    markdown = next(f for f in files if f.name.endswith(".md")).content.decode()
    assert_in_order(
        markdown, ("本部長：賛成です。", "部員：10月から検討を始めている。", "〔11:45 終了〕")
    )
    for absent in ("取り消す発言", "ボットの発言", "チャンネルでの雑談"):
        assert absent not in markdown
    summary = [
        m
        for m in harness.slack.messages(channel=C_MAIN, thread_ts=announcement)
        if "議事録案" in m.text
    ]
    assert len(summary) == 1 and "メモ 2件" in summary[0].text


def test_other_messages_are_ignored_and_broadcast_replies_count(harness: Harness) -> None:
    _public_meeting(harness)
    thread = _item_thread(harness, "proposal", 1)
    join = payloads.message_event("joined", U_OTHER, C_MAIN, thread_ts=thread)
    join["subtype"] = "channel_join"
    broadcast = payloads.message_event("事務局：全体に共有します", U_SEC, C_MAIN, thread_ts=thread)
    broadcast["subtype"] = "thread_broadcast"
    parent = payloads.message_event("スレッドの親", U_MEMBER, C_MAIN)
    parent["thread_ts"] = parent["ts"]  # a thread's first message is not a reply to it
    for event in (join, broadcast, parent):
        assert harness.event(event).status == 200
    assert _notes(harness) == [("事務局", "全体に共有します", False)]
    # Edits of the bot's own item message (reply counts, …) touch no note.
    own = payloads.message_event(
        "edited", U_SEC, C_MAIN, thread, None, subtype="message_changed", previous_text="x"
    )
    own["message"]["bot_id"] = "B0BOT"
    harness.event(own)
    assert _notes(harness) == [("事務局", "全体に共有します", False)]


def test_files_shared_in_an_item_thread_become_materials_or_are_refused_privately(
    harness: Harness,
) -> None:
    harness.setup_body()
    harness.schedule("2027-06-24", "11:00-12:00")
    harness.command("/agenda", "add 議案 次期電話システムの選定について", user=U_MEMBER)
    with harness.deps.session_factory() as s:
        item = s.scalars(select(AgendaItem)).one()
        thread = item.thread_ts
    assert thread
    other = payloads.message_event(
        "",
        U_OTHER,
        C_MAIN,
        thread_ts=thread,
        subtype="file_share",
        files=[{"id": "F0OTHER1", "name": "他人の資料.pdf"}],
    )
    assert harness.event(other).status == 200
    assert any("自分が提出した議題" in e.text for e in harness.slack.ephemerals(C_MAIN, U_OTHER))
    own = payloads.message_event(
        "比較表です",
        U_MEMBER,
        C_MAIN,
        thread_ts=thread,
        subtype="file_share",
        files=[{"id": "F0OWN1", "name": "各システムの比較一覧.xlsx"}],
    )
    harness.event(own)
    with harness.deps.session_factory() as s:
        titles = s.scalars(select(Material.title)).all()
        assert titles == ["各システムの比較一覧"]
        assert s.scalar(select(func.count()).select_from(Note)) == 0
