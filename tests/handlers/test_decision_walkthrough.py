"""Findings of the decisions walkthrough, through real bolt dispatch: body= on /decisions,
nothing pending, refusal labels, the modal's due date, confirmations, status labels, closing
with a resolution, English wording, and references as queries."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select, update

from bot.app import create_app
from bot.deps import Deps
from storage.models import AgendaItem, Decision
from tests.handlers.test_decision import (
    ONLINE,
    PHONE,
    held_meeting_with_items,
    last_post,
    thread_of,
)
from tests.harness import BODY_NAME, C_MAIN, C_PT, U_MEMBER, U_SEC, Harness
from tests.slackbench import payloads

OWNED = f"議案2 再検討 owner=<@{U_MEMBER}> due=令和9年7月15日 費用比較を追加"


def english(harness: Harness) -> Harness:
    """The same workspace (database, fake Slack, clock), answering in English."""
    config = replace(harness.deps.config, lang="en")
    deps = Deps(config=config, session_factory=harness.deps.session_factory, clock=harness.clock)
    app = create_app(deps, client=harness.app.client, process_before_response=True)
    return Harness(app, harness.slack, deps, harness.spec)


def decision_count(harness: Harness) -> int:
    with harness.deps.session_factory() as s:
        return s.scalar(select(func.count()).select_from(Decision)) or 0


def test_decisions_reads_body_option_and_the_rest_is_the_query(harness: Harness) -> None:
    held_meeting_with_items(harness)
    harness.command("/decision", OWNED)
    harness.setup_body("setup 標準化PT", channel=C_PT)  # C_PT has a body of its own
    harness.command("/decisions", "電話", channel=C_PT)
    assert PHONE not in last_post(harness, C_PT)  # searched the PT only
    ack = harness.command("/decisions", f"電話 body={BODY_NAME}", channel=C_PT)
    assert "電話" in ack.text and "body" not in ack.text, ack.text
    answer = last_post(harness, C_PT)
    assert PHONE in answer and "見つかりませんでした" not in answer, answer
    harness.command("/decisions", f"body=「{BODY_NAME}」 電話", channel=C_PT)
    assert PHONE in last_post(harness, C_PT)
    harness.command("/decisions", f"ｂｏｄｙ＝{BODY_NAME}", channel=C_PT)
    listing = last_post(harness, C_PT)
    assert f"{BODY_NAME}の未完了の決定" in listing and PHONE in listing, listing
    posts = len(harness.slack.messages(channel=C_PT))
    for text, expected in (
        ("body=存在しない会議体", "登録されていません"),
        (f"電話 body={BODY_NAME} body=標準化PT", "2回"),
        ("電話 body=", "会議体名"),
    ):
        answer = harness.command("/decisions", text, channel=C_PT)
        assert expected in answer.text, (text, answer.text)
    assert len(harness.slack.messages(channel=C_PT)) == posts  # mistakes post nothing


def test_nothing_pending_is_answered_only_to_the_asker(harness: Harness) -> None:
    held_meeting_with_items(harness)
    harness.command("/decision", "議案1 承認")  # decided, not pending
    posts = len(harness.slack.messages(channel=C_MAIN))
    ack = harness.command("/decisions", "")
    assert f"{BODY_NAME}に未完了の決定はありません。" in ack.text, ack.text
    en = english(harness).command("/decisions", "")
    assert f"{BODY_NAME} has no pending decisions." in en.text, en.text
    assert len(harness.slack.messages(channel=C_MAIN)) == posts


def test_refusal_names_the_action_in_both_languages(harness: Harness) -> None:
    held_meeting_with_items(harness)
    ja = harness.command("/decision", "議案1 承認", user=U_MEMBER).text
    assert "「決定の記録」は" in ja and "action." not in ja and "/decision」" not in ja, ja
    en = english(harness).command("/decision", "議案1 承認", user=U_MEMBER).text
    assert "can record decisions" in en and "action." not in en, en
    assert decision_count(harness) == 0


def submit_due(harness: Harness, due_text: str) -> dict[str, object]:
    values = {
        "item": {"value": {"value": "議案2"}},
        "outcome": {"value": {"selected_option": {"value": "reexamine"}}},
        "owner": {"value": {"selected_user": U_MEMBER}},
        "due": {"value": {"value": due_text}},  # the console fills the date field with text
    }
    answer = harness.submit(
        "decision_record", values, private_metadata=json.dumps({"channel": C_MAIN})
    )
    assert answer.status == 200, answer
    return dict(answer.body or {})


def test_modal_due_date_typed_as_text(harness: Harness) -> None:
    held_meeting_with_items(harness)
    bad = submit_due(harness, "そのうち")
    assert bad["response_action"] == "errors", bad
    errors = bad["errors"]
    assert isinstance(errors, dict) and "日付として読めません" in errors["due"], errors
    assert decision_count(harness) == 0
    past = submit_due(harness, "2027-01-01")
    assert "過去" in str(past["errors"]) and decision_count(harness) == 0
    assert not submit_due(harness, "7月15日")  # accepted: closes the modal
    with harness.deps.session_factory() as s:
        assert str(s.scalars(select(Decision.due_date)).one()) == "2027-07-15"


def test_confirmation_mentions_the_owner_and_writes_the_date(harness: Harness) -> None:
    meeting_id = held_meeting_with_items(harness)
    ack = harness.command("/decision", OWNED)
    assert f"（担当: <@{U_MEMBER}>）" in ack.text, ack.text
    assert "（期限: 令和9年7月15日（木））" in ack.text and "&lt;" not in ack.text
    channel, ts = thread_of(harness, meeting_id)
    post = harness.slack.messages(channel=channel, thread_ts=ts)[-1].text
    assert f"<@{U_MEMBER}>" in post and "令和9年7月15日（木）" in post, post
    en = english(harness).command("/decision", "議案1 承認 owner=情報管理課 due=2027-07-16")
    assert "(owner: 情報管理課)" in en.text and "(due 2027-07-16 (Fri))" in en.text, en.text
    past = harness.command("/decision", "議案1 承認 due=R9.5.1").text
    assert "令和9年5月1日（土）" in past, past


def test_status_follows_the_pending_rule(harness: Harness) -> None:
    meeting_id = held_meeting_with_items(harness)
    harness.command("/decision", "議案1 承認")
    harness.command("/decision", f"議案2 承認 owner=<@{U_MEMBER}>")  # owner, no due: decided
    channel, ts = thread_of(harness, meeting_id)
    for post in harness.slack.messages(channel=channel, thread_ts=ts)[-2:]:
        assert "*承認*\n" in post.text and "未完了" not in post.text, post.text
        assert "対応中" not in post.text
    harness.command("/decision", OWNED)  # re-decided: pending
    pending = harness.slack.messages(channel=channel, thread_ts=ts)[-1].text
    assert "*再検討*（未完了）" in pending and "期限: 令和9年7月15日（木）" in pending, pending
    harness.command("/decision", "close D3 比較済み")
    harness.command("/decisions", "D3")
    closed = last_post(harness, C_MAIN)
    assert "*再検討*（完了）" in closed and "結果: 比較済み" in closed, closed
    harness.command("/decisions", "D2")
    assert "（再決定により更新）" in last_post(harness, C_MAIN)
    english(harness).command("/decisions", "D1")
    decided = last_post(harness, C_MAIN)
    assert "*approved*\n" in decided and "pending" not in decided, decided


def test_close_shows_the_resolution(harness: Harness) -> None:
    meeting_id = held_meeting_with_items(harness)
    harness.command("/decision", OWNED)
    ack = harness.command("/decision", "close D1 完了", user=U_MEMBER)
    assert "D1" in ack.text
    channel, ts = thread_of(harness, meeting_id)
    notice = harness.slack.messages(channel=channel, thread_ts=ts)[-1].text
    assert notice.endswith("が完了しました。（結果: 完了）"), notice
    harness.command("/decision", "議案1 再検討 owner=情報管理課 due=2027-07-16")
    english(harness).command("/decision", "close D2 vendor chosen", user=U_SEC)
    notice = harness.slack.messages(channel=channel, thread_ts=ts)[-1].text
    assert notice.endswith("is closed. (resolution: vendor chosen)"), notice


def test_english_has_no_japanese_labels(harness: Harness) -> None:
    held_meeting_with_items(harness)
    with harness.deps.unit_of_work() as s:
        s.execute(update(AgendaItem).where(AgendaItem.title == PHONE).values(private=True))
    harness.command("/decision", OWNED)
    harness.command("/decision", "議案1 再検討 owner=情報管理課 due=2027-05-14")
    harness.clock.advance(timedelta(days=2))  # 2027-05-15: 議案1 is one day overdue
    en = english(harness)
    en.command("/decisions", "")
    listing = last_post(harness, C_MAIN)
    assert "(non-public)" in listing and "非公開" not in listing, listing
    assert "1 non-public decision is listed" in listing and "decision(s)" not in listing
    assert ONLINE in listing and "*to be re-examined* (pending)" in listing
    assert "1 day overdue" in listing and "1 days" not in listing
    assert PHONE not in listing and "費用比較" not in listing


def test_a_reference_is_answered_with_its_decision(harness: Harness) -> None:
    held_meeting_with_items(harness)
    harness.command("/decision", OWNED)
    harness.command("/decisions", "議案2")
    by_item = last_post(harness, C_MAIN)
    assert by_item.startswith("*議案2 の決定*") and PHONE in by_item and "D1" in by_item
    harness.command("/decisions", "Ｄ１")
    by_ref = last_post(harness, C_MAIN)
    assert by_ref.startswith("*決定 D1*") and "令和9年7月15日（木）" in by_ref, by_ref
    harness.command("/decisions", "議案1")
    assert f"議案1「{ONLINE}」" in last_post(harness, C_MAIN)
    assert "まだ決定はありません" in last_post(harness, C_MAIN)
    harness.command("/decisions", "D99")
    assert "見つかりませんでした" in last_post(harness, C_MAIN)
    english(harness).command("/decisions", "proposal2")
    assert last_post(harness, C_MAIN).startswith("*The decision on Proposal 2*")
    # @bot D1 too, in the mention's thread.
    event = payloads.app_mention("<@U0BOT> D1", U_MEMBER, C_MAIN)
    harness.event(event)
    reply = harness.slack.messages(channel=C_MAIN, thread_ts=event["ts"])[-1].text
    assert reply.startswith("*決定 D1*") and PHONE in reply


def test_a_reference_to_a_non_public_decision_shows_the_public_version(
    harness: Harness,
) -> None:
    held_meeting_with_items(harness)
    with harness.deps.unit_of_work() as s:
        s.execute(update(AgendaItem).where(AgendaItem.title == PHONE).values(private=True))
    harness.command("/decision", OWNED)
    for query in ("D1", "議案2", "A2"):
        harness.command("/decisions", query)
        answer = last_post(harness, C_MAIN)
        assert "（非公開）" in answer and "D1" in answer, (query, answer)
        assert PHONE not in answer and "費用比較" not in answer, (query, answer)
        assert "情報管理課" in answer  # where to ask
