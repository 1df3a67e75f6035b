"""Notes: what was said about an agenda item, for the minutes.

A note comes from ``/minutes note`` or from a reply in the item's Slack thread; editing or
deleting that reply in Slack edits or deletes the note.

Who said it: a note may name its speaker the way minutes are written (``本部長：延期することで…``)
— but only the secretariat may name someone else (it types what others said; PRODUCT.md:
everything else from anyone else is refused). Anyone else's prefix counts only when it names
themselves (their own role word or roster title); otherwise the text is kept whole, 「本部長：」
and all, and the minutes attribute it to its author's own role on the roster. Someone not on
the roster who replies in an item thread (a presenting department's staff, say) is recorded
under their own Slack name, never a role, so the secretariat sees in the draft who said it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.agenda import item_by_thread
from bot.audit import record
from bot.errors import UserError
from bot.numbering import NUMBERED_STATUSES
from bot.permissions import Actor, require_secretariat, secretariat_of
from bot.text import normalize
from bot.vocabulary import parse_role
from storage.models import AgendaItem, Body, Note, RosterEntry, SlackUser

MAX_NOTE = 20000
_SPEAKER = re.compile(r"(?P<label>[^\s:：]{1,30})[ \t]*[:：](?P<text>.*)", re.DOTALL)
# Slack's markup in message text: <@U123|name>, <#C123|name>, <https://…|label>, <!here>.
_MARKUP = re.compile(r"<(?P<target>[^<>|]+)(?:\|(?P<label>[^<>]*))?>")


@dataclass(frozen=True)
class NoteView:
    """A note as the minutes see it. ``speaker`` is set only when the text named one."""

    id: int
    item_id: int
    text: str
    speaker: str | None
    author_id: str
    created_at: datetime


def _view(note: Note) -> NoteView:
    return NoteView(
        id=note.id,
        item_id=note.agenda_item_id,
        text=note.text,
        speaker=note.speaker,
        author_id=note.author_id,
        created_at=note.created_at,
    )


def plain_text_from_slack(text: str, name_of: Callable[[str], str | None]) -> str:
    """The text a user meant, from Slack's message markup.

    Mentions become ``@name`` and links their label (or address); Slack's escapes ``&lt;``,
    ``&gt;``, ``&amp;`` become the characters typed. Special mentions such as ``<!channel>``
    are kept as written: the minutes record them literally, and every message that repeats
    a note escapes it again, so it never pings.
    """

    def plain(m: re.Match[str]) -> str:
        target, label = m.group("target"), m.group("label")
        if target.startswith("@"):
            return "@" + (label or name_of(target[1:]) or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return m.group(0)
        return label or target

    text = _MARKUP.sub(plain, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def slack_name(session: Session, user_id: str) -> str | None:
    """The cached display name of ``user_id`` (no Slack call)."""
    return session.scalar(select(SlackUser.name).where(SlackUser.user_id == user_id))


def may_name_speakers(session: Session, body: Body, user_id: str) -> bool:
    """Whether ``user_id``'s notes may say who spoke: the secretariat (or a workspace admin,
    by the cached flag — a thread reply has nobody to wait on Slack for)."""
    if secretariat_of(session, body, user_id):
        return True
    return bool(session.scalar(select(SlackUser.is_admin).where(SlackUser.user_id == user_id)))


def _role_of(label: str) -> str | None:
    try:
        return str(parse_role(label))
    except UserError:
        return None


def split_speaker(
    session: Session, body_id: int, text: str, *, author_id: str
) -> tuple[str | None, str]:
    """``("本部長", "延期することで…")`` from ``本部長：延期することで…``.

    Only a role word (本部長, 部員, 事務局, chair …) or a title on the body's roster counts as
    a speaker, so an ordinary sentence with a colon stays whole. From anyone but the
    secretariat it counts only when it names the author themselves.
    """
    whole = text.strip()
    m = _SPEAKER.fullmatch(whole)
    if m is None:
        return None, whole
    label = m.group("label")
    role = _role_of(label)
    body = session.get(Body, body_id)
    if body is not None and may_name_speakers(session, body, author_id):
        titled = session.scalar(
            select(RosterEntry.id).where(RosterEntry.body_id == body_id, RosterEntry.title == label)
        )
        if role is None and titled is None:
            return None, whole
        return label, m.group("text").strip()
    own = session.scalar(
        select(RosterEntry).where(RosterEntry.body_id == body_id, RosterEntry.user_id == author_id)
    )
    if own is None or not (role == own.role or (own.title and label == own.title)):
        return None, whole  # not theirs to attribute: kept as they wrote it
    return label, m.group("text").strip()


def _check_item(item: AgendaItem) -> None:
    if item.status not in NUMBERED_STATUSES:
        raise UserError("minutes.item_not_on_agenda", ref=f"A{item.id}")


def _clean(session: Session, text: str) -> str:
    plain = plain_text_from_slack(normalize(text), lambda uid: slack_name(session, uid))
    return plain.strip()[:MAX_NOTE]


def add_note(
    session: Session,
    item: AgendaItem,
    text: str,
    *,
    author_id: str,
    now: datetime,
    slack_channel: str | None = None,
    slack_ts: str | None = None,
) -> NoteView:
    """Add a note to ``item`` (``/minutes note`` or a thread reply).

    Raises:
        UserError: ``minutes.note_needs_item_text`` (no text), ``minutes.item_not_on_agenda``
            (the item was withdrawn, rejected or carried over).
    """
    _check_item(item)
    speaker, body_text = split_speaker(
        session, item.meeting.body_id, _clean(session, text), author_id=author_id
    )
    if not body_text:
        raise UserError("minutes.note_needs_item_text", usage="usage.minutes.note")
    note = Note(
        agenda_item_id=item.id,
        text=body_text,
        author_id=author_id,
        speaker=speaker,
        slack_channel=slack_channel,
        slack_ts=slack_ts,
        created_at=now,
    )
    session.add(note)
    session.flush()
    record(session, now, author_id, "minutes.note", item.meeting.body_id, "note", note.id)
    return _view(note)


def note_by_command(
    session: Session, item: AgendaItem, text: str, *, actor: Actor, now: datetime
) -> NoteView:
    """``/minutes note``: the secretariat records what was said about ``item``.

    Raises:
        Forbidden: not the body's secretariat (nothing is written).
        UserError: as :func:`add_note`.
    """
    require_secretariat(session, item.meeting.body, actor, action="minutes_note")
    return add_note(session, item, text, author_id=actor.user_id, now=now)


def note_from_reply(
    session: Session,
    *,
    channel: str,
    thread_ts: str,
    ts: str,
    user_id: str,
    text: str,
    now: datetime,
) -> NoteView | None:
    """Record a reply in an agenda item's thread as a note; None when it is not one.

    Only once the meeting has started (its item messages posted): talk in an item's thread
    before the meeting is not what was said at it. A retried delivery of the same reply
    returns the note already recorded.
    """
    item = item_by_thread(session, channel, thread_ts)
    if item is None or item.status not in NUMBERED_STATUSES:
        return None
    # Its start message posted; or, for a public meeting, the meeting started (a message Slack
    # refused leaves the submission thread as the item's thread). A closed meeting's notes
    # come only from threads the bot opened in a safe place, or from /minutes note.
    meeting = item.meeting
    public = meeting.disclosure == "public" and meeting.minutes_disclosure == "public"
    if item.start_posted_at is None and not (public and meeting.actual_start is not None):
        return None
    existing = session.scalar(select(Note).where(Note.slack_ts == ts))
    if existing is not None:
        return _view(existing)
    try:
        return add_note(
            session, item, text, author_id=user_id, now=now, slack_channel=channel, slack_ts=ts
        )
    except UserError:
        return None  # an empty reply (an emoji-only message made empty) is not a note


def _slack_note(session: Session, channel: str, ts: str) -> Note | None:
    return session.scalar(select(Note).where(Note.slack_ts == ts, Note.slack_channel == channel))


def edit_note_from_slack(
    session: Session, *, channel: str, ts: str, text: str, now: datetime
) -> NoteView | None:
    """Follow an edit of the reply ``ts`` in Slack; None when it is no note."""
    note = _slack_note(session, channel, ts)
    if note is None:
        return None
    item = session.get(AgendaItem, note.agenda_item_id)
    assert item is not None
    speaker, body_text = split_speaker(
        session, item.meeting.body_id, _clean(session, text), author_id=note.author_id
    )
    if body_text:
        note.text, note.speaker, note.deleted = body_text, speaker, False
    else:
        note.deleted = True
    record(session, now, note.author_id, "minutes.note_edit", item.meeting.body_id, "note", note.id)
    session.flush()
    return _view(note)


def delete_note_from_slack(session: Session, *, channel: str, ts: str, now: datetime) -> bool:
    """Follow the deletion of the reply ``ts`` in Slack; False when it was no note."""
    note = _slack_note(session, channel, ts)
    if note is None:
        return False
    note.deleted = True
    record(session, now, note.author_id, "minutes.note_delete", None, "note", note.id)
    return True


def _said_order(note: Note) -> tuple[float, float, int]:
    # By the minute a note was recorded, then by when it was said within that minute: a
    # reply's Slack ts (its events may be processed out of order), a typed note's entry time.
    created = note.created_at.timestamp()
    if note.slack_ts:
        try:
            return (created // 60, float(note.slack_ts), note.id)
        except ValueError:
            pass
    return (created // 60, created, note.id)


def notes_by_item(session: Session, item_ids: list[int]) -> dict[int, list[NoteView]]:
    """The live notes of each item in the order they were said.

    Replies are ordered by their Slack timestamp, which is when they were posted: events are
    acknowledged first and may be processed concurrently, so arrival order is not speaking
    order.
    """
    if not item_ids:
        return {}
    notes = session.scalars(
        select(Note)
        .where(Note.agenda_item_id.in_(item_ids), Note.deleted.is_(False))
        .order_by(Note.created_at, Note.id)
    ).all()
    notes = sorted(notes, key=_said_order)
    found: dict[int, list[NoteView]] = {}
    for note in notes:
        found.setdefault(note.agenda_item_id, []).append(_view(note))
    return found
