"""@bot <question>: answered in the mention's thread, in Japanese or English."""

from __future__ import annotations

from sqlalchemy import update

from storage.models import AgendaItem, Body
from tests.handlers.test_decision import ONLINE, PHONE, held_meeting_with_items
from tests.harness import C_MAIN, C_PRIVATE, C_SHARED, U_MEMBER, Harness
from tests.slackbench import payloads

BOT = "<@U0BOT>"


def ask(harness: Harness, text: str, channel: str = C_MAIN, thread_ts: str | None = None) -> str:
    event = payloads.app_mention(f"{BOT} {text}", U_MEMBER, channel, thread_ts=thread_ts)
    answer = harness.event(event)
    assert answer.status == 200
    replies = harness.slack.messages(channel=channel, thread_ts=thread_ts or event["ts"])
    assert replies, f"no answer in the thread of {text!r}"
    return replies[-1].text


def decided(harness: Harness) -> None:
    held_meeting_with_items(harness)
    harness.command("/decision", "議案1 承認")
    harness.command(
        "/decision", f"議案2 再検討 owner=<@{U_MEMBER}> due=2027-06-30 Phone system: compare costs"
    )


def test_japanese_and_english_questions(harness: Harness) -> None:
    decided(harness)
    online = ask(harness, "オンライン化について何が決まった？")
    assert ONLINE in online and "承認" in online and PHONE not in online
    phone = ask(harness, "電話システムについて何が決まった？")
    assert PHONE in phone and "再検討" in phone and "令和9年6月30日" in phone
    english = ask(harness, "what was decided about the phone system?")
    assert PHONE in english and "再検討" in english


def test_answer_goes_into_an_existing_thread(harness: Harness) -> None:
    decided(harness)
    parent = harness.slack.messages(channel=C_MAIN)[0].ts
    answer = ask(harness, "ｵﾝﾗｲﾝ化の件はどうなった", thread_ts=parent)
    assert ONLINE in answer


def test_a_question_without_content_asks_for_a_topic(harness: Harness) -> None:
    decided(harness)
    assert "例" in ask(harness, "何が決まった？")
    assert "例" in ask(harness, "")


def test_retried_event_answers_once(harness: Harness) -> None:
    decided(harness)
    event = payloads.app_mention(f"{BOT} 電話", U_MEMBER, C_MAIN)
    harness.event(event, event_id="Ev0DUPLICATE")
    harness.event(event, event_id="Ev0DUPLICATE", retry_num=1)
    assert len(harness.slack.messages(channel=C_MAIN, thread_ts=event["ts"])) == 1


def test_non_public_details_only_in_a_private_unshared_channel(harness: Harness) -> None:
    decided(harness)
    harness.command("/decision", "議案2 再検討 候補は非公開のA社")
    with harness.deps.unit_of_work() as s:
        s.execute(update(AgendaItem).where(AgendaItem.title == PHONE).values(private=True))
    # The body's public channel and a shared one: not even a 「（非公開）」 line confirms that
    # the question matched.
    for channel in (C_MAIN, C_SHARED):
        answer = ask(harness, "電話システムについて何が決まった？", channel=channel)
        assert PHONE not in answer and "A社" not in answer and "（非公開）" not in answer, answer
        assert "見つかりませんでした" in answer and "非公開の決定は" in answer
    # Any private channel not shared outside, though no body's: the full version.
    answer = ask(harness, "電話システムについて何が決まった？", channel=C_PRIVATE)
    assert PHONE in answer and "A社" in answer
    with harness.deps.unit_of_work() as s:  # the body's own channel, made private: the same
        s.execute(update(Body).values(channel_id=C_PRIVATE))
    answer = ask(harness, "電話システムについて何が決まった？", channel=C_PRIVATE)
    assert PHONE in answer and "A社" in answer
