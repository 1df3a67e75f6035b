"""The item messages at ``/meeting start`` and who may write the minutes, over real bolt
dispatch: a closed meeting's items never reach an unsafe channel, a failed item message is
posted by the next start and never twice, and only the secretariat puts words in anyone's
mouth."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.itemthreads import ItemPostsIncomplete, post_item_messages
from storage.models import AgendaItem, Meeting, Note
from tests.harness import (
    C_MAIN,
    C_PRIVATE,
    C_PT,
    C_SHARED,
    U_ADMIN,
    U_CHAIR,
    U_MEMBER,
    U_OTHER,
    U_SEC,
    Harness,
)
from tests.slackbench import payloads
from tests.unit.test_minutes_reference import local

SECRET_TITLE = "次期電話システムの選定について"
SECRET_SUMMARY = "現行サービスが終了するため"
SECRETS = (SECRET_TITLE, SECRET_SUMMARY, "庁内ネットワーク更改", "事業者比較")


def _pins(harness: Harness, channel: str = C_MAIN) -> list[str]:
    return [
        m.text
        for m in harness.slack.messages(channel=channel)
        if m.thread_ts is None and m.text.startswith(":pushpin:")
    ]


def _items(harness: Harness) -> list[AgendaItem]:
    with harness.deps.session_factory() as s:
        return list(s.scalars(select(AgendaItem).order_by(AgendaItem.id)))


def _meeting(harness: Harness, meeting_id: int) -> Meeting:
    with harness.deps.session_factory() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        return meeting


def _body_with_items(harness: Harness, config: str | None = None) -> int:
    harness.setup_body()
    for user, role in ((U_CHAIR, "chair"), (U_MEMBER, "member")):
        assert harness.command("/meeting", f"member <@{user}> {role}").status == 200
    if config:
        assert harness.command("/meeting", f"config {config}").status == 200
    meeting_id = harness.schedule("2027-06-24", "11:00-12:00")
    for text in (
        f"add 議案 {SECRET_TITLE} presenter=事業者比較 summary={SECRET_SUMMARY}",
        "add 議案 庁内ネットワーク更改について",
        "add 報告 システム標準化の進捗について",
    ):
        assert "A" in harness.command("/agenda", text).text
    harness.clock.set(local(11, 0))
    return meeting_id


def _unsafe_calls_since(harness: Harness, start: int) -> list[str]:
    """What every Web API call since ``start`` sent anywhere but a DM, as JSON text."""
    sent = []
    for call in harness.slack.calls()[start:]:
        channel = str(call.params.get("channel") or call.params.get("channel_id") or "")
        if not channel.startswith("D"):
            sent.append(json.dumps(call.params, ensure_ascii=False))
    return sent


@pytest.mark.parametrize(
    "disclosure",
    [
        "disclosure=closed reason=審議中のため",
        "minutes_disclosure=partial minutes_reason=個人情報を含むため",
    ],
)
def test_a_closed_meetings_items_stay_out_of_a_public_channel_until_it_is_private(
    harness: Harness, disclosure: str
) -> None:
    meeting_id = _body_with_items(harness, disclosure)
    before = len(harness.slack.calls())
    assert harness.command("/meeting", "start").status == 200

    sent = _unsafe_calls_since(harness, before)
    assert not [text for text in sent if any(secret in text for secret in SECRETS)]
    assert _pins(harness) == []
    # Whoever ran /meeting start hears why, and what to do, privately.
    told = [m.text for m in harness.slack.ephemerals(user=U_SEC) if f"M{meeting_id}" in m.text]
    assert len(told) == 1 and "/meeting start" in told[0] and "（3件）" in told[0]
    assert "非公開の内容を含むため（" in told[0] and not any(s in told[0] for s in SECRETS)
    assert all(i.start_posted_at is None for i in _items(harness))
    assert _meeting(harness, meeting_id).items_posted_at is None

    # A reply in the public submission thread of a closed meeting's item is no note.
    thread = _items(harness)[0].thread_ts
    if thread:
        harness.event(payloads.message_event("賛成です", U_MEMBER, C_MAIN, thread_ts=thread))
        with harness.deps.session_factory() as s:
            assert s.scalars(select(Note)).all() == []

    # The channel made private: the next start posts every item, in full, once.
    harness.slack.add_channel(C_MAIN, "gyosei-joho", "private")
    assert harness.command("/meeting", "start").status == 200
    pins = _pins(harness)
    assert len(pins) == 3 and SECRET_TITLE in pins[0] and SECRET_SUMMARY in pins[0]
    assert _meeting(harness, meeting_id).items_posted_at is not None
    harness.command("/meeting", "start")
    assert len(_pins(harness)) == 3


def test_a_public_meetings_private_item_is_a_placeholder_in_a_public_channel(
    harness: Harness,
) -> None:
    harness.setup_body()
    harness.schedule("2027-06-24", "11:00-12:00")
    harness.command("/agenda", f"add 議案 {SECRET_TITLE} summary={SECRET_SUMMARY} private=yes")
    harness.command("/agenda", "add 報告 システム標準化の進捗について")
    harness.clock.set(local(11, 0))
    before = len(harness.slack.calls())
    harness.command("/meeting", "start")
    pins = _pins(harness)
    assert len(pins) == 2 and "（非公開）" in pins[0] and "システム標準化" in pins[1]
    assert not [t for t in _unsafe_calls_since(harness, before) if SECRET_TITLE in t]
    assert not [t for t in _unsafe_calls_since(harness, before) if SECRET_SUMMARY in t]


def test_a_failed_item_message_is_posted_by_the_next_start_and_never_twice(
    harness: Harness,
) -> None:
    meeting_id = _body_with_items(harness)
    harness.slack.fail_next("chat.postMessage", status=200, error="internal_error")
    assert harness.command("/meeting", "start").status == 200
    pins = _pins(harness)
    assert len(pins) == 2 and not any("A1）" in p for p in pins)
    first = _items(harness)[0]
    assert first.start_posted_at is None and first.start_claimed_at is None
    assert _meeting(harness, meeting_id).items_posted_at is None

    harness.command("/meeting", "start")
    pins = _pins(harness)
    assert len(pins) == 3 and sum("A1）" in p for p in pins) == 1
    assert all(i.start_posted_at is not None for i in _items(harness))
    assert _meeting(harness, meeting_id).items_posted_at is not None
    harness.command("/meeting", "start")
    assert len(_pins(harness)) == 3


def test_the_start_time_run_reports_a_failure_so_that_it_is_retried(harness: Harness) -> None:
    meeting_id = _body_with_items(harness)
    client = harness.client()
    harness.slack.fail_next("chat.postMessage", status=200, error="internal_error")
    with pytest.raises(ItemPostsIncomplete):
        post_item_messages(harness.deps, meeting_id, client)
    assert len(_pins(harness)) == 2
    assert post_item_messages(harness.deps, meeting_id, client) == 1
    assert post_item_messages(harness.deps, meeting_id, client) == 0
    assert len(_pins(harness)) == 3


def test_minutes_note_is_the_secretariats_in_the_bodys_channels(harness: Harness) -> None:
    _body_with_items(harness)
    harness.command("/meeting", "start")
    item_id = _items(harness)[1].id

    def notes() -> list[tuple[str | None, str, str]]:
        with harness.deps.session_factory() as s:
            rows = s.scalars(select(Note).order_by(Note.id))
            return [(n.speaker, n.text, n.author_id) for n in rows]

    for user in (U_MEMBER, U_CHAIR):
        refused = harness.command("/minutes", "note 議案2 本部長：承認する", user=user)
        assert "事務局" in refused.text and "議事録メモの記録" in refused.text
    for channel in (C_PT, C_SHARED):
        wrong = harness.command("/minutes", f"note A{item_id} 本部長：承認する", channel=channel)
        assert "行政情報化推進本部のチャンネル" in wrong.text, wrong.text
        assert "/minutes note" in wrong.text
    assert notes() == []

    harness.command("/minutes", "note 議案2 本部長：承認する")
    harness.command("/minutes", "note 議案2 補足です", user=U_ADMIN)
    harness.slack.add_channel("D0SECDM", "", "im", user=U_SEC)
    harness.command("/minutes", f"note A{item_id} 副本部長：異議なし", channel="D0SECDM")
    assert notes() == [
        ("本部長", "承認する", U_SEC),
        (None, "補足です", U_ADMIN),
        ("副本部長", "異議なし", U_SEC),
    ]


def test_a_members_reply_naming_the_chair_is_recorded_as_the_members(harness: Harness) -> None:
    _body_with_items(harness)
    harness.command("/meeting", "start")
    thread = _items(harness)[1].thread_ts
    assert thread
    for user, text in ((U_MEMBER, "本部長：承認する。"), (U_SEC, "本部長：承認とする。")):
        harness.event(payloads.message_event(text, user, C_MAIN, thread_ts=thread))
    harness.clock.set(local(11, 30))
    harness.command("/meeting", "end")
    harness.command("/minutes", "draft")
    markdown = next(
        f.content.decode() for f in harness.slack.files(channel=C_MAIN) if f.name.endswith(".md")
    )
    assert "部員：本部長:承認する。" in markdown and "本部長：承認とする。" in markdown


def test_a_closed_draft_goes_to_any_private_unshared_channel(harness: Harness) -> None:
    harness.setup_body(channel=C_PRIVATE)
    harness.command(
        "/meeting", "config disclosure=closed reason=審議中の事項のため", channel=C_PRIVATE
    )
    meeting_id = harness.schedule("2027-06-24", "11:00-12:00", channel=C_PRIVATE)
    harness.command("/agenda", f"add 議案 {SECRET_TITLE}", channel=C_PRIVATE)
    harness.clock.set(local(11, 30))
    harness.command("/meeting", "end", channel=C_PRIVATE)
    # A private channel of another team, not shared outside: the full draft is posted there.
    harness.slack.add_channel("G0ELSEWHERE", "another-team", "private")
    drafted = harness.command("/minutes", f"draft M{meeting_id}", channel="G0ELSEWHERE")
    assert drafted.status == 200 and ":lock:" not in drafted.text, drafted.text
    posted = harness.slack.files(channel="G0ELSEWHERE")
    markdown = [f.content.decode("utf-8") for f in posted if f.name.endswith(".md")]
    assert markdown and SECRET_TITLE in markdown[0]
    # Shared with another organisation: refused, nothing posted, a DM offered.
    refused = harness.command("/minutes", f"draft M{meeting_id}", channel=C_SHARED)
    assert "他の組織と共有されたチャンネルには投稿できません" in refused.text
    assert not harness.slack.messages(channel=C_SHARED)
    assert not harness.slack.files(channel=C_SHARED)
    # Someone else's DM with the bot: refused too (a DM shows only its own user's).
    harness.slack.add_channel("D0OTHER", "", "im", user=U_OTHER)
    refused = harness.command("/minutes", f"draft M{meeting_id}", channel="D0OTHER")
    assert "1対1のDMではありません" in refused.text
    assert not harness.slack.files(channel="D0OTHER")


def test_a_post_in_doubt_is_not_repeated_until_its_claim_lapses(harness: Harness) -> None:
    meeting_id = _body_with_items(harness)
    client = harness.slack.client(retry_handlers=[])
    harness.slack.fail_next("chat.postMessage", drop=True)  # no answer: posted or not?
    with pytest.raises(ItemPostsIncomplete):
        post_item_messages(harness.deps, meeting_id, client)
    assert len(_pins(harness)) == 2
    assert post_item_messages(harness.deps, meeting_id, client) == 0  # still in doubt
    harness.clock.set(local(11, 4))
    assert post_item_messages(harness.deps, meeting_id, client) == 1
    assert len(_pins(harness)) == 3


def test_a_reply_that_became_a_note_is_marked_and_others_are_not(harness: Harness) -> None:
    harness.setup_body()
    harness.schedule("2027-06-24", "11:00-12:00")
    harness.command("/agenda", "add 報告 システム標準化の進捗について")
    before_start = _items(harness)[0].thread_ts
    assert before_start is not None
    early = harness.slack.user_message(C_MAIN, U_MEMBER, "事前の質問です", thread_ts=before_start)
    harness.event(payloads.message_event(early.text, U_MEMBER, C_MAIN, early.ts, before_start))
    harness.clock.set(local(11, 0))
    harness.command("/meeting", "start")
    thread = _items(harness)[0].thread_ts
    assert thread is not None
    said = harness.slack.user_message(C_MAIN, U_MEMBER, "進捗は順調です", thread_ts=thread)

    harness.event(payloads.message_event(said.text, U_MEMBER, C_MAIN, said.ts, thread))
    harness.event(payloads.message_event(said.text, U_MEMBER, C_MAIN, said.ts, thread))

    noted = harness.slack.message(C_MAIN, said.ts)
    assert noted is not None and noted.reactions == ("memo",)
    unnoted = harness.slack.message(C_MAIN, early.ts)
    assert unnoted is not None and unnoted.reactions == ()
    with harness.deps.session_factory() as s:
        assert [n.text for n in s.scalars(select(Note))] == ["進捗は順調です"]


def test_an_item_added_during_the_meeting_gets_its_item_message(harness: Harness) -> None:
    harness.setup_body(channel=C_PRIVATE)
    harness.command("/meeting", "config disclosure=closed reason=人事案件のため", channel=C_PRIVATE)
    harness.schedule("2027-06-24", "11:00-12:00", channel=C_PRIVATE)
    harness.command("/agenda", "add 報告 システム標準化の進捗について", channel=C_PRIVATE)
    harness.clock.set(local(11, 0))
    harness.command("/meeting", "start", channel=C_PRIVATE)
    assert len(_pins(harness, C_PRIVATE)) == 1
    harness.clock.set(local(11, 20))

    harness.command("/agenda", f"add meeting=M1 議案 {SECRET_TITLE}", channel=C_PRIVATE)

    pins = _pins(harness, C_PRIVATE)
    assert len(pins) == 2 and SECRET_TITLE in pins[1]
    added = [i for i in _items(harness) if i.title == SECRET_TITLE][0]
    assert added.start_posted_at is not None and added.thread_ts is not None
    said = harness.slack.user_message(C_PRIVATE, U_MEMBER, "至急対応が必要", added.thread_ts)
    harness.event(payloads.message_event(said.text, U_MEMBER, C_PRIVATE, said.ts, added.thread_ts))
    with harness.deps.session_factory() as s:
        assert [n.agenda_item_id for n in s.scalars(select(Note))] == [added.id]
    # Once the meeting has ended, a new item is for the minutes only: no item message.
    harness.clock.set(local(11, 50))
    harness.command("/meeting", "end", channel=C_PRIVATE)
    harness.command("/agenda", "add meeting=M1 報告 終了後の報告", channel=C_PRIVATE)
    assert len(_pins(harness, C_PRIVATE)) == 2
