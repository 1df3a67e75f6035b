"""The safe-channel rule on the agenda surfaces: item posts, /agenda post|lock|list,
/materials list, the late-item buttons, App Home; and explicit M<n> where no body is."""

from __future__ import annotations

import json
from typing import Any

from tests.harness import (
    C_MAIN,
    C_PRIVATE,
    C_PT,
    C_SHARED,
    U_CHAIR,
    U_MEMBER,
    U_OTHER,
    U_SEC,
    Answer,
    Harness,
)

SECRET = "人事異動の内示案"
SECRET_MATERIAL = "異動候補者一覧"
CONTENT_METHODS = ("chat.postMessage", "chat.postEphemeral", "chat.update", "views.publish")


def _leaks(harness: Harness, secret: str) -> list[str]:
    """Every message, ephemeral, update, file or Home view the fake Slack received that
    carries ``secret`` (these tests' bodies have no safe channel for it)."""
    found = []
    for call in harness.slack.calls():
        if call.method not in CONTENT_METHODS and not call.method.startswith("files."):
            continue
        params: dict[str, Any] = dict(call.params)
        params.pop("token", None)
        if secret not in json.dumps(params, ensure_ascii=False):
            continue
        where = params.get("channel") or params.get("channels") or params.get("user_id")
        found.append(f"{call.method} to {where}")
    return found


def _answer_text(answer: Answer) -> str:
    return json.dumps(answer.body, ensure_ascii=False)


def _private_item(harness: Harness, channel: str = C_MAIN, user: str = U_SEC) -> Answer:
    answer = harness.command(
        "/agenda", f"add 議案 {SECRET} presenter=人事課 private=yes", user=user, channel=channel
    )
    assert "A1" in answer.text, answer.text
    return answer


def test_a_private_item_is_posted_as_non_public_in_a_public_channel(harness: Harness) -> None:
    harness.setup_body()
    harness.schedule()
    answer = _private_item(harness, user=U_MEMBER)
    # The submitter sees the details they typed, only they see it.
    assert SECRET in answer.text
    post = harness.slack.messages(channel=C_MAIN)[-1]
    assert "（非公開）" in post.text and "A1" in post.text and "議案（1）" in post.text
    assert SECRET not in post.text and "人事課" not in post.text
    assert _leaks(harness, SECRET) == [] and _leaks(harness, "人事課") == []


def test_a_private_item_is_posted_in_full_in_the_bodys_private_channel(harness: Harness) -> None:
    harness.setup_body(channel=C_PRIVATE)
    harness.schedule(channel=C_PRIVATE)
    _private_item(harness, channel=C_PRIVATE)
    post = harness.slack.messages(channel=C_PRIVATE)[-1]
    assert SECRET in post.text and "説明: 人事課" in post.text


def test_a_shared_channel_is_never_safe(harness: Harness) -> None:
    harness.setup_body(channel=C_SHARED)
    harness.schedule(channel=C_SHARED)
    _private_item(harness, channel=C_SHARED)
    harness.command("/agenda", "post", channel=C_SHARED)
    harness.command("/agenda", "list", channel=C_SHARED)
    assert "（非公開）" in harness.slack.messages(channel=C_SHARED)[-1].text
    assert _leaks(harness, SECRET) == []


def test_agenda_post_and_lock_show_the_public_version_in_a_public_channel(
    harness: Harness,
) -> None:
    harness.setup_body()
    mid = harness.schedule()
    _private_item(harness)
    harness.command("/agenda", "add 報告 公開の報告 presenter=総務課")
    harness.command("/materials", f"add A1 {SECRET_MATERIAL}")
    harness.command("/materials", "add A2 内部の検討メモ private=yes")
    harness.command("/materials", "add A2 公開の資料")
    assert "掲示しました" in harness.command("/agenda", f"post M{mid}").text
    harness.command("/agenda", f"lock M{mid}")
    agendas = [m for m in harness.slack.messages(channel=C_MAIN) if "議題*" in m.text]
    assert len(agendas) == 2
    for message in agendas:
        text = json.dumps(message.blocks, ensure_ascii=False)
        assert "（1）（非公開）" in text and "A1" in text and "【非公開】" not in text
        assert "公開の報告" in text and "公開の資料" in text
    for secret in (SECRET, SECRET_MATERIAL, "内部の検討メモ", "人事課"):
        assert _leaks(harness, secret) == [], secret


def test_agenda_and_materials_list_depend_on_requester_and_channel(harness: Harness) -> None:
    harness.setup_body()
    harness.command("/meeting", f"member <@{U_MEMBER}> member")
    mid = harness.schedule()
    _private_item(harness)
    harness.command("/materials", f"add A1 {SECRET_MATERIAL}")
    # In the public channel: the public version, even for the secretariat.
    for user in (U_SEC, U_OTHER):
        for command in ("/agenda", "/materials"):
            listing = harness.command(command, "list", user=user)
            text = _answer_text(listing)
            assert "（非公開）" in text and SECRET not in text and SECRET_MATERIAL not in text
    # M1 named explicitly in a private channel that has no body (also: no lookup fails).
    for user in (U_SEC, U_MEMBER):
        full = _answer_text(
            harness.command("/agenda", f"list M{mid}", user=user, channel=C_PRIVATE)
        )
        assert SECRET in full and "【非公開】" in full and SECRET_MATERIAL in full
        register = harness.command("/materials", f"list M{mid}", user=user, channel=C_PRIVATE)
        assert SECRET_MATERIAL in _answer_text(register)
    # Not on the roster, in a channel that is not the body's: M1 may not be named at all.
    for command in ("/agenda", "/materials"):
        stranger = harness.command(command, f"list M{mid}", user=U_OTHER, channel=C_PRIVATE)
        assert f"M{mid} は 行政情報化推進本部 の会議です" in stranger.text
        assert SECRET not in _answer_text(stranger) and SECRET_MATERIAL not in stranger.text
    # In a private channel the body set up, anyone there gets the full version (the place
    # is safe, whoever asks), the list of the channel's current meeting included.
    harness.command("/meeting", "setup 別の部会 parent=行政情報化推進本部", channel=C_PRIVATE)
    for command in ("/agenda", "/materials"):
        full = _answer_text(
            harness.command(command, f"list M{mid}", user=U_OTHER, channel=C_PRIVATE)
        )
        assert SECRET_MATERIAL in full
    # A shared channel, even for the secretariat.
    shared = harness.command("/agenda", f"list M{mid}", user=U_SEC, channel=C_SHARED)
    assert SECRET not in _answer_text(shared)


def test_list_with_body_from_another_channel_is_the_public_version(harness: Harness) -> None:
    harness.setup_body(channel=C_PRIVATE)
    harness.schedule(channel=C_PRIVATE)
    _private_item(harness, channel=C_PRIVATE)
    listing = harness.command("/agenda", "list body=行政情報化推進本部", user=U_OTHER)
    assert "（非公開）" in listing.text or "（非公開）" in _answer_text(listing)
    assert SECRET not in _answer_text(listing)
    own = harness.command("/agenda", "list", user=U_SEC, channel=C_PRIVATE)
    assert SECRET in _answer_text(own)


def test_every_item_of_a_closed_meeting_is_non_public(harness: Harness) -> None:
    harness.setup_body()
    mid = harness.schedule(extra="disclosure=closed reason=人事情報のため")
    harness.command("/agenda", "add 議案 非公開会議の議案 presenter=企画課")
    post = harness.slack.messages(channel=C_MAIN)[-1]
    assert "（非公開）" in post.text and "非公開会議の議案" not in post.text
    harness.command("/agenda", f"post M{mid}")
    listing = harness.command("/agenda", "list", user=U_OTHER)
    assert "非公開会議の議案" not in _answer_text(listing)
    assert _leaks(harness, "非公開会議の議案") == [] and _leaks(harness, "企画課") == []


def test_late_private_item_buttons_and_rejection_keep_it_hidden(harness: Harness) -> None:
    harness.setup_body()
    harness.schedule("2027-05-13", "11:00-12:00")  # its agenda deadline has passed
    _private_item(harness, user=U_MEMBER)
    harness.command("/agenda", "add 報告 二件目の非公開 private=yes", user=U_MEMBER)
    first, second = [m for m in harness.slack.messages(channel=C_MAIN) if ":memo:" in m.text]
    assert f"<@{U_SEC}>" in first.text and SECRET not in first.text
    harness.action("agenda_accept_late", "1", user=U_SEC, message_ts=first.ts)
    harness.action("agenda_reject_late", "2", user=U_SEC, message_ts=second.ts)
    updated = harness.slack.message(C_MAIN, first.ts)
    assert updated is not None and "受理" in updated.text and "（非公開）" in updated.text
    notice = harness.slack.messages(channel=C_MAIN, thread_ts=second.ts)[-1]
    assert "却下" in notice.text and "A2" in notice.text
    assert _leaks(harness, SECRET) == [] and _leaks(harness, "二件目の非公開") == []


def test_explicit_meeting_reference_works_where_no_body_is(harness: Harness) -> None:
    harness.setup_body()
    mid = harness.schedule()
    harness.command("/agenda", "add 議案 公開の議案")
    listing = harness.command("/agenda", f"list M{mid}", channel=C_PT)
    assert "公開の議案" in _answer_text(listing)
    assert "確定しました" in harness.command("/agenda", f"lock M{mid}", channel=C_PT).text
    assert "掲示しました" in harness.command("/agenda", f"post M{mid}", channel=C_PT).text
    # The agenda goes to the body's channel, not to the one the command was typed in.
    assert not harness.slack.messages(channel=C_PT)
    assert len([m for m in harness.slack.messages(channel=C_MAIN) if "議題*" in m.text]) == 2
    added = harness.command("/agenda", f"add 報告 別チャンネルから meeting=M{mid}", channel=C_PT)
    assert "A2" in added.text
    # Without a reference there is still no body to work on, and it says so.
    assert "会議体" in harness.command("/agenda", "list", channel=C_PT).text


def test_home_lists_only_the_users_bodies(harness: Harness) -> None:
    harness.setup_body()
    harness.command("/meeting", f"member <@{U_CHAIR}> chair")
    harness.schedule()
    _private_item(harness)

    def home(user: str) -> str:
        harness.event(
            {"type": "app_home_opened", "user": user, "tab": "home", "event_ts": "1.000900"}
        )
        return json.dumps(harness.slack.views_published(user)[-1]["blocks"], ensure_ascii=False)

    stranger = home(U_OTHER)
    assert "行政情報化推進本部" not in stranger and "名簿にも登録されていません" in stranger
    assert "行政情報化推進本部" in home(U_CHAIR)
    # Someone who submitted an item to the body sees its meetings and their own item.
    harness.command("/agenda", "add 報告 外部からの報告", user=U_OTHER)
    submitter = home(U_OTHER)
    assert "行政情報化推進本部" in submitter and "外部からの報告" in submitter
    assert SECRET not in submitter
