"""Item threads in places that may not show an item (a private item of a public meeting in a
public channel), meetings named by number from elsewhere, and names in the minutes."""

from __future__ import annotations

from sqlalchemy import func, select, update

from storage.models import AgendaItem, Material, Note, RosterEntry, SlackUser
from tests.harness import C_MAIN, C_PRIVATE, C_PT, U_MEMBER, U_OTHER, U_SEC, Harness
from tests.slackbench import payloads
from tests.unit.test_minutes_reference import local

SECRET = "職員の懲戒処分について"


def _private_item_started(harness: Harness, channel: str = C_MAIN) -> str:
    """A public meeting with a private item, started in ``channel``; the item's thread ts."""
    harness.setup_body(channel=channel)
    harness.command("/meeting", f"member <@{U_MEMBER}> member", channel=channel)
    harness.schedule("2027-06-24", "11:00-12:00", channel=channel)
    harness.command("/agenda", f"add 議案 {SECRET} private=yes", channel=channel)
    harness.clock.set(local(11, 0))
    assert harness.command("/meeting", "start", channel=channel).status == 200
    with harness.deps.session_factory() as s:
        item = s.scalars(select(AgendaItem)).one()
        assert item.thread_ts is not None and item.start_posted_at is not None
        return item.thread_ts


def _counts(harness: Harness) -> tuple[int, int]:
    with harness.deps.session_factory() as s:
        notes = s.scalar(select(func.count()).select_from(Note)) or 0
        materials = s.scalar(select(func.count()).select_from(Material)) or 0
    return notes, materials


def test_a_private_items_thread_in_a_public_channel_collects_nothing(harness: Harness) -> None:
    thread = _private_item_started(harness)
    post = next(m for m in harness.slack.messages(channel=C_MAIN) if m.ts == thread)
    assert "（非公開）" in post.text and SECRET not in post.text
    # No invitation to reply or share files; it says where notes go instead.
    assert "議事録メモになります" not in post.text and "資料に追加されます" not in post.text
    assert "議事録メモにならず" in post.text and "/minutes note" in post.text
    reply = payloads.message_event("本部長：処分は妥当", U_SEC, C_MAIN, thread_ts=thread)
    assert harness.event(reply).status == 200
    shared = payloads.message_event(
        "",
        U_SEC,
        C_MAIN,
        thread_ts=thread,
        subtype="file_share",
        files=[{"id": "F0SECRET", "name": "処分案.pdf"}],
    )
    assert harness.event(shared).status == 200
    assert _counts(harness) == (0, 0)
    told = [e.text for e in harness.slack.ephemerals(C_MAIN, U_SEC)]
    assert any("議事録メモにしていません" in t and "/minutes note A1" in t for t in told), told
    assert any("資料に追加していません" in t and "/materials add A1" in t for t in told), told
    # The secretariat's way in: /minutes note (in a private channel or its DM).
    noted = harness.command("/minutes", "note A1 本部長：処分は妥当", user=U_SEC)
    assert noted.status == 200 and _counts(harness) == (1, 0)


def test_the_same_thread_in_a_private_channel_collects_notes_and_files(harness: Harness) -> None:
    thread = _private_item_started(harness, channel=C_PRIVATE)
    post = next(m for m in harness.slack.messages(channel=C_PRIVATE) if m.ts == thread)
    assert SECRET in post.text and "議事録メモになります" in post.text
    reply = payloads.message_event("部員：異議なし", U_MEMBER, C_PRIVATE, thread_ts=thread)
    harness.event(reply)
    shared = payloads.message_event(
        "",
        U_SEC,
        C_PRIVATE,
        thread_ts=thread,
        subtype="file_share",
        files=[{"id": "F0OK", "name": "処分案.pdf"}],
    )
    harness.event(shared)
    assert _counts(harness) == (1, 1)
    assert not harness.slack.ephemerals(C_PRIVATE)


def test_files_in_a_private_items_submission_thread_are_not_materials(harness: Harness) -> None:
    harness.setup_body()
    harness.schedule("2027-06-24", "11:00-12:00")
    harness.command("/agenda", f"add 議案 {SECRET} private=yes", user=U_MEMBER)
    with harness.deps.session_factory() as s:
        thread = s.scalars(select(AgendaItem.thread_ts)).one()
    assert thread
    shared = payloads.message_event(
        "資料です",
        U_MEMBER,
        C_MAIN,
        thread_ts=thread,
        subtype="file_share",
        files=[{"id": "F0EARLY", "name": "処分案.pdf"}],
    )
    assert harness.event(shared).status == 200
    assert _counts(harness) == (0, 0)
    assert any(
        "資料に追加していません" in e.text for e in harness.slack.ephemerals(C_MAIN, U_MEMBER)
    )


def test_a_meeting_of_another_body_named_by_number_needs_its_roster_or_channel(
    harness: Harness,
) -> None:
    harness.setup_body()
    harness.command(
        "/meeting", "setup システム標準化PT parent=行政情報化推進本部", channel=C_PRIVATE
    )
    harness.command(
        "/meeting", "config disclosure=closed reason=審議中の事項のため", channel=C_PRIVATE
    )
    pt_meeting = harness.schedule("2027-06-24", "11:00-12:00", channel=C_PRIVATE)
    harness.command("/agenda", f"add 議案 {SECRET}", channel=C_PRIVATE)
    # An unrelated body at home in a public channel; someone on no roster there.
    harness.command("/meeting", "setup 別の委員会", user=U_OTHER, channel=C_PT)
    posts_before = len(harness.slack.messages(channel=C_PRIVATE))
    added = harness.command(
        "/agenda", f"add 議案 紛れ込む議題 meeting=M{pt_meeting}", user=U_OTHER, channel=C_PT
    )
    assert f"M{pt_meeting} は システム標準化PT の会議です" in added.text
    listed = harness.command("/agenda", f"list M{pt_meeting}", user=U_OTHER, channel=C_PT)
    assert "システム標準化PT の会議です" in listed.text and SECRET not in listed.text
    with harness.deps.session_factory() as s:
        assert s.scalar(select(func.count()).where(AgendaItem.title == "紛れ込む議題")) == 0
    assert len(harness.slack.messages(channel=C_PRIVATE)) == posts_before
    # From the parent's channel anyone may; from anywhere, its roster or secretariat may.
    from_parent = harness.command(
        "/agenda", f"add 報告 本部からの報告 meeting=M{pt_meeting}", user=U_OTHER
    )
    assert "受け付けました" in from_parent.text, from_parent.text
    harness.command("/meeting", f"member <@{U_MEMBER}> member", channel=C_PRIVATE)
    own = harness.command(
        "/agenda", f"add 報告 部員の報告 meeting=M{pt_meeting}", user=U_MEMBER, channel=C_PT
    )
    assert "受け付けました" in own.text, own.text


def test_minutes_name_a_titleless_member_never_by_slack_id(harness: Harness) -> None:
    harness.setup_body(channel=C_PRIVATE)
    harness.command("/meeting", f"member <@{U_MEMBER}> member", channel=C_PRIVATE)
    harness.slack.add_user("U0NONAME", "")
    harness.command("/meeting", "member <@U0NONAME> member", channel=C_PRIVATE)
    harness.schedule("2027-06-24", "11:00-12:00", channel=C_PRIVATE)
    harness.command("/agenda", "add 報告 研修計画", channel=C_PRIVATE)
    harness.clock.set(local(11, 0))
    harness.command("/meeting", "start", channel=C_PRIVATE)
    harness.clock.set(local(11, 50))
    harness.command("/meeting", "end", channel=C_PRIVATE)
    with harness.deps.unit_of_work() as s:  # nobody's name is cached, nobody has a title
        s.execute(update(RosterEntry).values(title=None))
        s.query(SlackUser).delete()
    calls = len(harness.slack.calls("users.info"))
    drafted = harness.command("/minutes", "draft", channel=C_PRIVATE)
    assert drafted.status == 200, drafted.text
    markdown = next(
        f.content.decode("utf-8")
        for f in reversed(harness.slack.files(channel=C_PRIVATE))
        if f.name.endswith(".md")
    )
    attendees = markdown.split("出席者", 1)[1][:400]
    for user_id in (U_SEC, U_MEMBER, "U0NONAME"):
        assert user_id not in markdown, (user_id, attendees)
    assert len(harness.slack.calls("users.info")) > calls  # asked once, then cached
    with harness.deps.session_factory() as s:
        assert s.get(SlackUser, U_MEMBER) is not None
