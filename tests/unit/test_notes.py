"""Notes on a real database: speakers, Slack markup, thread replies, edits and deletions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import agenda, notes
from bot.deps import Deps
from bot.errors import UserError
from storage.models import AgendaItem, Meeting, Note
from tests.unit.test_minutes_reference import CHAIR, MEMBER, SEC, build_reference


def _thread(deps: Deps, item_id: int, ts: str = "1700000000.000100") -> None:
    with deps.unit_of_work() as s:
        agenda.set_thread(s, item_id, "C0MAIN", ts)


def _reply(deps: Deps, text: str, ts: str, thread_ts: str = "1700000000.000100") -> object:
    with deps.unit_of_work() as s:
        return notes.note_from_reply(
            s,
            channel="C0MAIN",
            thread_ts=thread_ts,
            ts=ts,
            user_id=MEMBER,
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
        assert notes.split_speaker(s, body_id, "本部長：延期するのか。") == (
            "本部長",
            "延期するのか。",
        )
        assert notes.split_speaker(s, body_id, "副本部長: タイムラグは長い") == (
            "副本部長",
            "タイムラグは長い",
        )
        assert notes.split_speaker(s, body_id, "Chair: fine") == ("Chair", "fine")
        # A title on the roster counts; an ordinary sentence with a colon stays whole.
        assert notes.split_speaker(s, body_id, "総務部長：賛成です") == ("総務部長", "賛成です")
        assert notes.split_speaker(s, body_id, "注意：期限は9月") == (None, "注意：期限は9月")
        assert notes.split_speaker(s, body_id, "時刻は11:58") == (None, "時刻は11:58")


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
            s, item, "  部員：１０月から検討  ", author_id=CHAIR, now=deps.clock.now()
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


def test_thread_replies_edits_and_deletions_follow_slack(deps: Deps) -> None:
    ref = build_reference(deps, with_notes=False, end=False)
    item_id = ref.item_ids[2]
    _thread(deps, item_id)
    assert _reply(deps, "本部長：経費の面ではB社が良いのでは。", "1700000001.000100") is not None
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


def test_replies_before_the_meeting_starts_are_not_notes(deps: Deps) -> None:
    ref = build_reference(deps, with_notes=False, end=False)
    with deps.unit_of_work() as s:
        meeting = s.get(Meeting, ref.meeting_id)
        assert meeting is not None
        meeting.actual_start = None
    _thread(deps, ref.item_ids[0])
    assert _reply(deps, "資料を差し替えました", "1700000004.000100") is None
    assert _live(deps, ref.item_ids[0]) == []
