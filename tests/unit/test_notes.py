"""Notes on a real database: speakers, Slack markup, thread replies, edits and deletions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import agenda, notes
from bot.deps import Deps
from bot.errors import Forbidden, UserError
from bot.permissions import Actor
from storage.models import AgendaItem, Meeting, Note
from tests.unit.test_minutes_reference import CHAIR, MEMBER, OTHER, SEC, build_reference

STRANGER = "U0STRANGER"


def _thread(deps: Deps, item_id: int, ts: str = "1700000000.000100", posted: bool = True) -> None:
    """The item's thread; ``posted``: opened by its message at the meeting's start."""
    with deps.unit_of_work() as s:
        agenda.set_thread(s, item_id, "C0MAIN", ts)
        item = s.get(AgendaItem, item_id)
        assert item is not None
        item.start_posted_at = deps.clock.now() if posted else None


def _reply(
    deps: Deps,
    text: str,
    ts: str,
    thread_ts: str = "1700000000.000100",
    user: str = MEMBER,
) -> notes.NoteView | None:
    with deps.unit_of_work() as s:
        return notes.note_from_reply(
            s,
            channel="C0MAIN",
            thread_ts=thread_ts,
            ts=ts,
            user_id=user,
            text=text,
            now=deps.clock.now(),
        )


def _live(deps: Deps, item_id: int) -> list[tuple[str | None, str]]:
    with deps.session_factory() as s:
        return [
            (n.speaker, n.text)
            for n in s.scalars(
                select(Note)
                .where(Note.agenda_item_id == item_id, Note.deleted.is_(False))
                .order_by(Note.id)
            )
        ]


def test_speaker_is_taken_from_a_role_word_or_a_roster_title(deps: Deps) -> None:
    ref = build_reference(deps, with_notes=False, end=False)
    with deps.session_factory() as s:
        meeting = s.get(Meeting, ref.meeting_id)
        assert meeting is not None
        body_id = meeting.body_id

        def split(text: str, author: str = SEC) -> tuple[str | None, str]:
            return notes.split_speaker(s, body_id, text, author_id=author)

        assert split("本部長：延期するのか。") == ("本部長", "延期するのか。")
        assert split("副本部長: タイムラグは長い") == ("副本部長", "タイムラグは長い")
        assert split("Chair: fine") == ("Chair", "fine")
        # A title on the roster counts; an ordinary sentence with a colon stays whole.
        assert split("総務部長：賛成です") == ("総務部長", "賛成です")
        assert split("注意：期限は9月") == (None, "注意：期限は9月")
        assert split("時刻は11:58") == (None, "時刻は11:58")


def test_only_the_secretariat_puts_words_in_someone_elses_mouth(deps: Deps) -> None:
    ref = build_reference(deps, with_notes=False, end=False)
    with deps.session_factory() as s:
        meeting = s.get(Meeting, ref.meeting_id)
        assert meeting is not None
        body_id = meeting.body_id

        def split(text: str, author: str) -> tuple[str | None, str]:
            return notes.split_speaker(s, body_id, text, author_id=author)

        # 総務部長 (a member) may name themselves, by role word or by their own title …
        assert split("部員：10月から検討", MEMBER) == ("部員", "10月から検討")
        assert split("総務部長：賛成です", MEMBER) == ("総務部長", "賛成です")
        # … but not the chair, nor another member by title: the text is kept as written.
        assert split("本部長：承認する", MEMBER) == (None, "本部長：承認する")
        assert split("区民部長：反対です", MEMBER) == (None, "区民部長：反対です")
        assert split("事務局：資料を差し替えた", CHAIR) == (None, "事務局：資料を差し替えた")
        assert split("本部長：承認する", CHAIR) == ("本部長", "承認する")
        # Someone not on the roster names nobody, not even a role.
        assert split("部員：賛成", STRANGER) == (None, "部員：賛成")
        assert split("区民部長：反対です", OTHER) == ("区民部長", "反対です")


def test_slack_markup_becomes_what_the_user_meant() -> None:
    names = {"U0CHAIR": "honbucho"}.get
    text = "<@U0CHAIR> と <@U0X|taro> が &lt;!channel&gt; を <https://ex.org|資料> で <!here>"
    assert notes.plain_text_from_slack(text, names) == (
        "@honbucho と @taro が <!channel> を 資料 で <!here>"
    )
    assert notes.plain_text_from_slack("a &amp;lt; b", names) == "a &lt; b"


def test_command_note_checks_the_item_and_the_text(deps: Deps) -> None:
    ref = build_reference(deps, with_notes=False, end=False)
    with deps.unit_of_work() as s:
        item = s.get(AgendaItem, ref.item_ids[1])
        assert item is not None
        view = notes.add_note(
            s, item, "  部員：１０月から検討  ", author_id=SEC, now=deps.clock.now()
        )
        assert (view.speaker, view.text) == ("部員", "10月から検討")  # NFKC, trimmed
        with pytest.raises(UserError) as empty:
            notes.add_note(s, item, "本部長：   ", author_id=CHAIR, now=deps.clock.now())
        assert empty.value.key == "minutes.note_needs_item_text"
    with deps.unit_of_work() as s:
        item = s.get(AgendaItem, ref.item_ids[5])
        assert item is not None
        item.status = "withdrawn"
    with pytest.raises(UserError) as withdrawn, deps.unit_of_work() as s:
        item = s.get(AgendaItem, ref.item_ids[5])
        assert item is not None
        notes.add_note(s, item, "発言", author_id=SEC, now=deps.clock.now())
    assert withdrawn.value.key == "minutes.item_not_on_agenda"


def test_command_notes_are_the_secretariats_and_a_refusal_writes_nothing(deps: Deps) -> None:
    ref = build_reference(deps, with_notes=False, end=False)
    for user in (CHAIR, MEMBER, STRANGER):
        with pytest.raises(Forbidden), deps.unit_of_work() as s:
            item = s.get(AgendaItem, ref.item_ids[1])
            assert item is not None
            notes.note_by_command(
                s, item, "本部長：承認する", actor=Actor(user), now=deps.clock.now()
            )
    with deps.session_factory() as s:
        assert s.scalars(select(Note)).all() == []
    admin = Actor("U0ADMIN", admin_lookup=lambda: True)
    with deps.unit_of_work() as s:
        item = s.get(AgendaItem, ref.item_ids[1])
        assert item is not None
        view = notes.note_by_command(
            s, item, "本部長：承認する", actor=Actor(SEC), now=deps.clock.now()
        )
        assert (view.speaker, view.text, view.author_id) == ("本部長", "承認する", SEC)
        by_admin = notes.note_by_command(s, item, "補足です", actor=admin, now=deps.clock.now())
        assert by_admin.author_id == "U0ADMIN"


def test_thread_replies_edits_and_deletions_follow_slack(deps: Deps) -> None:
    ref = build_reference(deps, with_notes=False, end=False)
    item_id = ref.item_ids[2]
    _thread(deps, item_id)
    said = "本部長：経費の面ではB社が良いのでは。"
    assert _reply(deps, said, "1700000001.000100", user=SEC) is not None
    assert _reply(deps, "通話品質は同程度", "1700000002.000100") is not None
    # A retried delivery is one note; a reply elsewhere is none.
    assert _reply(deps, "通話品質は同程度", "1700000002.000100") is not None
    assert _reply(deps, "雑談", "1700000003.000100", thread_ts="1699999999.000001") is None
    assert _live(deps, item_id) == [
        ("本部長", "経費の面ではB社が良いのでは。"),
        (None, "通話品質は同程度"),
    ]

    with deps.unit_of_work() as s:
        edited = notes.edit_note_from_slack(
            s,
            channel="C0MAIN",
            ts="1700000002.000100",
            text="部員：通話品質は概ね同程度",
            now=deps.clock.now(),
        )
        assert edited is not None and edited.speaker == "部員"
        assert (
            notes.edit_note_from_slack(
                s, channel="C0MAIN", ts="1600000000.000000", text="x", now=deps.clock.now()
            )
            is None
        )
    assert _live(deps, item_id)[1] == ("部員", "通話品質は概ね同程度")

    with deps.unit_of_work() as s:
        assert notes.delete_note_from_slack(
            s, channel="C0MAIN", ts="1700000001.000100", now=deps.clock.now()
        )
        assert not notes.delete_note_from_slack(
            s, channel="C0OTHER", ts="1700000002.000100", now=deps.clock.now()
        )
    assert _live(deps, item_id) == [("部員", "通話品質は概ね同程度")]
    with deps.unit_of_work() as s:  # edited to nothing: gone from the minutes too
        notes.edit_note_from_slack(
            s, channel="C0MAIN", ts="1700000002.000100", text="  ", now=deps.clock.now()
        )
    assert _live(deps, item_id) == []
    with deps.session_factory() as s:
        by_item = notes.notes_by_item(s, [item_id])
        assert by_item == {}


def test_a_reply_naming_someone_else_is_its_authors_own(deps: Deps) -> None:
    ref = build_reference(deps, with_notes=False, end=False)
    item_id = ref.item_ids[1]
    _thread(deps, item_id)
    forged = _reply(deps, "本部長：承認する。", "1700000005.000100", user=MEMBER)
    assert forged is not None and (forged.speaker, forged.text) == (
        None,
        "本部長:承認する。",
    )  # NFKC
    guest = _reply(deps, "説明員として補足します。", "1700000006.000100", user=STRANGER)
    assert guest is not None and guest.author_id == STRANGER
    with deps.unit_of_work() as s:  # an edit cannot sneak a speaker in either
        edited = notes.edit_note_from_slack(
            s, channel="C0MAIN", ts="1700000005.000100", text="本部長：却下", now=deps.clock.now()
        )
        assert edited is not None and (edited.speaker, edited.text) == (None, "本部長:却下")


def test_replies_before_the_meeting_starts_are_not_notes(deps: Deps) -> None:
    ref = build_reference(deps, with_notes=False, end=False)
    with deps.unit_of_work() as s:
        meeting = s.get(Meeting, ref.meeting_id)
        assert meeting is not None
        meeting.actual_start = None
    _thread(deps, ref.item_ids[0], posted=False)
    assert _reply(deps, "資料を差し替えました", "1700000004.000100") is None
    assert _live(deps, ref.item_ids[0]) == []


def test_a_closed_meeting_takes_notes_only_from_the_threads_the_bot_opened(deps: Deps) -> None:
    ref = build_reference(deps, with_notes=False, end=False)  # closed, and started
    _thread(deps, ref.item_ids[0], posted=False)  # the submission thread, wherever it is
    assert _reply(deps, "公開の場での発言", "1700000007.000100") is None
    with deps.unit_of_work() as s:
        meeting = s.get(Meeting, ref.meeting_id)
        assert meeting is not None
        meeting.disclosure = meeting.minutes_disclosure = "public"
    # A public meeting that has started: its submission thread takes notes all the same.
    assert _reply(deps, "公開の場での発言", "1700000007.000100") is not None
