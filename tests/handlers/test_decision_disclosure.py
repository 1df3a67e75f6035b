"""Non-public decisions through /decisions and the thread posts: shown only in a private
channel not shared outside (any body's, or none's) or the DM of a reader of the body, never
confirmed by a question anywhere else."""

from __future__ import annotations

import json
from datetime import timedelta

from storage.models import AgendaItem, Meeting
from tests.handlers.test_decision import PHONE, last_post
from tests.harness import C_MAIN, C_PRIVATE, C_SHARED, U_MEMBER, U_OTHER, U_SEC, Harness

SECRET = "極秘の庁舎移転候補地について"
DETAIL = "北区"
D_OTHER, D_MEMBER, D_SEC = "D0OTHER", "D0MEMBER", "D0SEC"
G_LOOSE, G_OTHER_BODY = "G0LOOSE", "G0OTHERBODY"


def secret_decided(harness: Harness, channel: str = C_MAIN, extra: str = "") -> int:
    """The body (home ``channel``) with a held meeting: 議案1 public, 議案2 non-public, both
    decided; the non-public decision's text names a place."""
    harness.setup_body(channel=channel)
    meeting_id = harness.schedule("2027-05-12", "11:00-12:00", extra=extra, channel=channel)
    with harness.deps.unit_of_work() as s:
        meeting = s.get_one(Meeting, meeting_id)
        for number, (title, private) in enumerate(((PHONE, False), (SECRET, True)), start=1):
            s.add(
                AgendaItem(
                    meeting=meeting,
                    kind="proposal",
                    number=number,
                    title=title,
                    submitter_id=U_MEMBER,
                    status="accepted",
                    private=private,
                    created_at=harness.clock.now(),
                )
            )
    harness.clock.advance(timedelta(days=3))
    harness.command("/decision", "議案1 承認", channel=channel)
    text = f"議案2 再検討 owner=情報管理課 due=2027-06-30 移転先は{DETAIL}案"
    harness.command("/decision", text, channel=channel)
    for dm, user in ((D_OTHER, U_OTHER), (D_MEMBER, U_MEMBER), (D_SEC, U_SEC)):
        harness.slack.add_channel(dm, "", "im", user=user)
    harness.slack.add_channel(G_LOOSE, "loose-private", "private")
    harness.slack.add_channel(G_OTHER_BODY, "other-committee", "private")
    return meeting_id


def ask(harness: Harness, query: str, channel: str, user: str = U_MEMBER) -> str:
    answer = harness.command("/decisions", query, channel=channel, user=user)
    assert answer.status == 200, answer
    return last_post(harness, channel)


def assert_nothing_told(harness: Harness, channel: str, user: str, note: bool) -> None:
    """No details, no 「（非公開）」 line, and the same answer as for a word no item holds."""
    hit = ask(harness, "庁舎移転", channel, user)
    miss = ask(harness, "ロケット", channel, user)
    assert SECRET not in hit and DETAIL not in hit and "（非公開）" not in hit, (channel, hit)
    assert hit.replace("庁舎移転", "Q") == miss.replace("ロケット", "Q"), (channel, hit, miss)
    assert ("非公開の決定は" in hit and "情報管理課" in hit) is note, (channel, hit)
    public = ask(harness, "電話", channel, user)
    assert PHONE in public and SECRET not in public and DETAIL not in public


def test_no_place_outside_the_body_tells_or_confirms_anything(harness: Harness) -> None:
    secret_decided(harness)
    harness.command("/meeting", "setup 別の委員会 secretariat=総務課", channel=G_OTHER_BODY)
    thread_post = harness.slack.messages(channel=C_MAIN)[-1].text
    assert "（非公開）" in thread_post and SECRET not in thread_post and DETAIL not in thread_post
    # The body's public channel, a shared channel and the DM of someone on no roster search
    # every body (or this one) but not its hidden decisions.
    for channel, user in ((C_MAIN, U_MEMBER), (C_SHARED, U_MEMBER)):
        assert_nothing_told(harness, channel, user, note=True)
    assert_nothing_told(harness, D_OTHER, U_OTHER, note=True)
    # A private channel not shared outside is safe whoever's it is: the details, to anyone.
    loose = ask(harness, "庁舎移転", G_LOOSE, U_OTHER)
    assert SECRET in loose and DETAIL in loose and "非公開の決定は" not in loose, loose
    # Another body's private channel searches that body only.
    other = ask(harness, "庁舎移転", G_OTHER_BODY, U_SEC)
    assert SECRET not in other and DETAIL not in other and "（非公開）" not in other
    # Before joining the roster, the member's own DM is no better.
    assert_nothing_told(harness, D_MEMBER, U_MEMBER, note=True)
    harness.command("/decisions", "", channel=C_MAIN)  # the pending list: public version
    listing = last_post(harness, C_MAIN)
    assert SECRET not in listing and DETAIL not in listing and "（非公開）" in listing


def test_roster_and_secretariat_see_details_in_their_dm(harness: Harness) -> None:
    secret_decided(harness)
    joined = harness.command("/meeting", f"member <@{U_MEMBER}|buin> member")
    assert joined.status == 200
    for dm, user in ((D_MEMBER, U_MEMBER), (D_SEC, U_SEC)):
        answer = ask(harness, "庁舎移転", dm, user)
        assert SECRET in answer and DETAIL in answer and "非公開の決定は" not in answer, answer
    # A DM counts for the user it is with, not for whoever names it.
    answer = ask(harness, "庁舎移転", D_OTHER, U_MEMBER)
    assert SECRET not in answer and DETAIL not in answer


def test_the_bodys_private_channel_sees_details(harness: Harness) -> None:
    secret_decided(harness, channel=C_PRIVATE)
    thread_post = harness.slack.messages(channel=C_PRIVATE)[-1].text
    assert SECRET in thread_post and DETAIL in thread_post
    answer = ask(harness, "庁舎移転", C_PRIVATE)
    assert SECRET in answer and DETAIL in answer and "非公開の決定は" not in answer
    harness.command("/decisions", "", channel=C_PRIVATE)
    assert SECRET in last_post(harness, C_PRIVATE)
    # The same body's decisions asked about in a shared channel: the public version.
    assert_nothing_told(harness, C_SHARED, U_MEMBER, note=True)


def test_non_public_meeting_hides_every_decision_outside_the_body(harness: Harness) -> None:
    secret_decided(harness, extra="disclosure=closed reason=意思決定過程のため")
    for channel, user in ((C_MAIN, U_MEMBER), (C_SHARED, U_SEC), (D_OTHER, U_OTHER)):
        answer = ask(harness, "電話", channel, user)
        assert PHONE not in answer and "非公開の決定は" in answer, (channel, answer)
    assert PHONE in ask(harness, "電話", D_SEC, U_SEC)
    assert PHONE in ask(harness, "電話", G_LOOSE, U_OTHER)  # a private, unshared channel


def test_home_shows_an_owner_off_the_roster_only_the_public_version(harness: Harness) -> None:
    secret_decided(harness)
    harness.command("/decision", f"議案2 再検討 owner=<@{U_OTHER}|someone> due=2027-06-30 {DETAIL}")

    def my_home() -> str:
        harness.event(
            {"type": "app_home_opened", "user": U_OTHER, "channel": D_OTHER, "tab": "home"}
        )
        view = harness.slack.views_published(U_OTHER)[-1]
        return json.dumps(view, ensure_ascii=False).split("自分が担当の未完了の決定")[1]

    home = my_home()
    assert "（非公開）" in home and SECRET not in home and DETAIL not in home
    harness.command("/meeting", f"member <@{U_OTHER}|someone> member")
    home = my_home()
    assert SECRET in home and DETAIL in home
