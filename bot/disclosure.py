"""Where a body's non-public content may go, and who may read it: the one disclosure rule.

Non-public content is an agenda item flagged private, a private material, or anything of a
meeting whose meeting or minutes disclosure is not public (非公開 / 一部非公開). It may be shown
in full only in a safe place, asked afresh of Slack
(:attr:`bot.slackinfo.ChannelInfo.safe_for_non_public`):

1. any private channel (a group DM included) not shared with another organisation — whichever
   body it is the channel of, as the product contract says; or
2. the bot's 1:1 DM with a user, showing only what that user may read (a body on whose roster
   they are, or which they run as secretariat — the secretariat of a body above it and a
   workspace admin included), and only when that user is the one asking. Anyone can DM a bot,
   so a DM is not safe by itself.

Public channels, channels shared with another organisation and channels Slack cannot describe
are never safe. Everywhere else only the public version is shown: a non-public item reads
「（非公開）」 with its reference and number. A :class:`Clearance` says which bodies a place may
show in full, so one answer about several bodies applies the rule per body; the single-body
checks (:func:`safe_place`, :func:`may_see_non_public`) are that same clearance asked about one
body.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from bot.bodies import descendant_ids
from bot.errors import Forbidden
from bot.permissions import Actor
from bot.slackinfo import ChannelInfo, channel_info
from bot.text import channel_mention
from storage.models import AgendaItem, Body, Decision, Meeting, RosterEntry, SlackUser

log = logging.getLogger(__name__)
_CHUNK = 500


# --- What is non-public ---------------------------------------------------------------------


def is_non_public_meeting(meeting: Meeting) -> bool:
    """Whether the meeting or its minutes are 非公開 / 一部非公開 (every item then is)."""
    return meeting.disclosure != "public" or meeting.minutes_disclosure != "public"


def is_non_public_item(item: AgendaItem) -> bool:
    """Whether ``item`` is non-public: flagged so, or of a non-public meeting."""
    return item.private or is_non_public_meeting(item.meeting)


def non_public_clause() -> ColumnElement[bool]:
    """SQL for :func:`is_non_public_item` (with AgendaItem joined to Meeting)."""
    return or_(
        AgendaItem.private.is_(True),
        Meeting.disclosure != "public",
        Meeting.minutes_disclosure != "public",
    )


# --- Clearance: which bodies a place may show in full ---------------------------------------


@dataclass(frozen=True)
class Clearance:
    """The bodies whose non-public content a place may show in full."""

    body_ids: frozenset[int] = frozenset()
    everything: bool = False

    def allows(self, body_id: int) -> bool:
        """Whether non-public content of ``body_id`` may be shown here."""
        return self.everything or body_id in self.body_ids


NO_CLEARANCE = Clearance()
FULL_CLEARANCE = Clearance(everything=True)


def channel_clearance(session: Session, channel_id: str) -> Clearance:
    """The bodies ``channel_id`` belongs to (whether it is private is not asked here).

    Not a disclosure question any more (any safe place shows every body's content): it says
    where a body's work is done — where ``/minutes note`` is taken, and from where a command
    may name one of the body's meetings.

    A channel belongs to the bodies it is home to, to the bodies directly under them (it is
    their parent's channel) and to every body above them (it is the channel of one of their
    sub-bodies, at any depth). Put the other way round, a body's channels are its own, its
    parent's and those of every body under it — not its grandparent's, nor a sibling's.
    """
    cleared: set[int] = set()
    homes = session.scalars(select(Body).where(Body.channel_id == channel_id)).all()
    if homes:
        home_ids = [b.id for b in homes]
        cleared.update(home_ids)
        cleared.update(session.scalars(select(Body.id).where(Body.parent_id.in_(home_ids))))
    for body in homes:
        parent = body.parent
        while parent is not None and parent.id not in cleared:
            cleared.add(parent.id)
            parent = parent.parent
    return Clearance(frozenset(cleared))


def belongs_to(session: Session, body: Body, channel_id: str) -> bool:
    """Whether ``channel_id`` is one of ``body``'s channels (see :func:`channel_clearance`)."""
    return channel_clearance(session, channel_id).allows(body.id)


def _reader_body_ids(session: Session, user_id: str) -> set[int]:
    """The bodies on whose roster ``user_id`` is, and those the user runs as secretariat with
    every body under them (as :func:`bot.permissions.secretariat_of` counts them)."""
    rows = session.execute(
        select(RosterEntry.body_id, RosterEntry.role).where(RosterEntry.user_id == user_id)
    ).all()
    cleared = {int(body_id) for body_id, _ in rows}
    runs = {int(body_id) for body_id, role in rows if role == "secretariat"}
    runs.update(session.scalars(select(Body.id).where(Body.created_by == user_id)).all())
    for body_id in sorted(runs):
        body = session.get(Body, body_id)
        if body is not None:
            cleared.update(descendant_ids(session, body))
    return cleared


def reader_clearance(session: Session, reader: Actor) -> Clearance:
    """The bodies whose non-public content ``reader`` may read (in the bot's DM with them, on
    their App Home, or in an answer only they see): roster and secretariat; a workspace admin
    is the secretariat of every body."""
    cleared = _reader_body_ids(session, reader.user_id)
    if reader.is_workspace_admin():
        return FULL_CLEARANCE
    return Clearance(frozenset(cleared))


def may_see_non_public(session: Session, body: Body, reader: Actor) -> bool:
    """Whether ``reader`` may read ``body``'s non-public content (:func:`reader_clearance`
    for one body; the admin flag is looked up only when roster and secretariat say no)."""
    return body.id in _reader_body_ids(session, reader.user_id) or reader.is_workspace_admin()


def may_act_for(session: Session, body: Body, channel_id: str, actor: Actor) -> bool:
    """Whether ``actor``, in ``channel_id``, may name one of ``body``'s meetings explicitly
    (``M12``): the command comes from one of the body's channels (:func:`belongs_to`), or the
    actor may read its non-public content (roster, secretariat, workspace admin). Otherwise
    anyone in any public channel could submit to, or list, another body's closed meeting."""
    return belongs_to(session, body, channel_id) or may_see_non_public(session, body, actor)


def require_acting_for(
    session: Session, body: Body, channel_id: str, actor: Actor, *, ref: str
) -> None:
    """Refuse an explicit reference ``ref`` to a meeting of ``body`` unless
    :func:`may_act_for` allows it.

    Raises:
        Forbidden: ``perm.meeting_of_other_body`` (nothing is read or written).
    """
    if not may_act_for(session, body, channel_id, actor):
        raise Forbidden(
            "perm.meeting_of_other_body",
            ref=ref,
            body=body.name,
            channel=channel_mention(body.channel_id),
        )


def cached_reader(session: Session, user_id: str) -> Actor:
    """``user_id`` as a reader whose admin flag is the cached one (no Web API call; an unknown
    user is not an admin): for pages built without waiting on Slack, such as App Home."""

    def admin() -> bool:
        row = session.get(SlackUser, user_id)
        return bool(row and row.is_admin)

    return Actor(user_id=user_id, admin_lookup=admin)


# --- Places ----------------------------------------------------------------------------------


def _dm_partner(client: WebClient, info: ChannelInfo) -> tuple[bool, str | None]:
    """Whether the DM ``info`` describes is 1:1, and with whom (None when Slack cannot say).

    :class:`ChannelInfo` counts group DMs as DMs too, so Slack is asked once more, and only
    for a DM.
    """
    try:
        channel = client.conversations_info(channel=info.channel_id)["channel"]
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.warning("conversations.info failed for %s: %s", info.channel_id, error)
        # A "D…" id is a 1:1 DM; with nobody known to be in it, it clears nothing.
        return info.channel_id.startswith("D"), None
    return dm_partner(channel)


def dm_partner(channel: Mapping[str, Any]) -> tuple[bool, str | None]:
    """From Slack's conversation object: whether it is a 1:1 DM, and with whom."""
    if not channel.get("is_im") or channel.get("is_mpim"):
        return False, None
    user = channel.get("user")
    return True, str(user) if user else None


def place_clearance(
    session: Session,
    client: WebClient,
    where: ChannelInfo,
    *,
    reader: Actor | None,
    dm: tuple[bool, str | None] | None = None,
) -> Clearance:
    """What the place ``where`` (fresh from :func:`bot.slackinfo.channel_info`) may show.

    ``reader`` is who asked (None for the bot's own posts). A public or shared channel shows
    nothing non-public. A 1:1 DM shows what its user may read, and only when that user is the
    one who asked: whoever else names it gets nothing. Any other private place not shared with
    another organisation — a private channel of any body, or of none, and a group DM — shows
    everything.
    """
    if not where.safe_for_non_public:
        return NO_CLEARANCE
    if where.is_im:
        # ``dm``: Slack's answer about the DM, when the caller already has it.
        one_to_one, partner = dm if dm is not None else _dm_partner(client, where)
        if one_to_one:
            if reader is None or partner is None or partner != reader.user_id:
                return NO_CLEARANCE
            return reader_clearance(session, reader)
    return FULL_CLEARANCE


def clearance_for_place(
    session: Session,
    client: WebClient,
    channel_id: str,
    now: datetime,
    *,
    reader: Actor | None = None,
) -> Clearance:
    """What ``channel_id`` may show, Slack asked afresh what kind of channel it is (it may
    have been shared since); see :func:`place_clearance`."""
    where = channel_info(session, client, channel_id, now, fresh=True)
    return place_clearance(session, client, where, reader=reader)


def safe_place(
    session: Session,
    client: WebClient,
    body: Body,
    channel_id: str,
    now: datetime,
    *,
    reader: Actor | None = None,
) -> bool:
    """Whether ``body``'s non-public content may be posted in ``channel_id``.

    Args:
        session: the unit of work.
        client: asks Slack afresh what kind of channel it is.
        body: whose content.
        channel_id: where it would go.
        now: the current time.
        reader: who asked (for a DM, the one person who reads it); None for the bot's own
            posts, which then go in full to private channels not shared outside only.
    """
    return clearance_for_place(session, client, channel_id, now, reader=reader).allows(body.id)


def safe_for_requester(
    session: Session, client: WebClient, body: Body, channel_id: str, reader: Actor, now: datetime
) -> bool:
    """Whether an answer only ``reader`` sees (ephemeral, in ``channel_id``) may carry
    ``body``'s non-public content.

    An answer only the requester sees is held to the rule of the place: a private channel not
    shared outside shows it to anyone in it (it could be posted there anyway), the bot's 1:1
    DM only to a reader of the body, and a public or shared channel to nobody — even a roster
    member, since the contract keeps non-public content out of such places altogether.
    """
    return safe_place(session, client, body, channel_id, now, reader=reader)


# --- Search and lists that must not leak -----------------------------------------------------


def hidden_item_ids(session: Session, item_ids: Collection[int], clearance: Clearance) -> set[int]:
    """Those of ``item_ids`` that are non-public and of a body ``clearance`` does not allow."""
    if clearance.everything or not item_ids:
        return set()
    ids = sorted(set(item_ids))
    hidden: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        query = (
            select(AgendaItem.id)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(AgendaItem.id.in_(ids[start : start + _CHUNK]), non_public_clause())
        )
        if clearance.body_ids:
            query = query.where(Meeting.body_id.not_in(sorted(clearance.body_ids)))
        hidden.update(int(i) for i in session.scalars(query))
    return hidden


def hidden_clause(clearance: Clearance) -> ColumnElement[bool] | None:
    """SQL (with AgendaItem joined to Meeting) true for the items :func:`hidden_item_ids`
    names, for queries that leave them out in the database; None when nothing is hidden."""
    if clearance.everything:
        return None
    clause = non_public_clause()
    if clearance.body_ids:
        clause = and_(clause, Meeting.body_id.not_in(sorted(clearance.body_ids)))
    return clause


def bodies_with_hidden_decisions(
    session: Session, body_ids: Collection[int] | None, clearance: Clearance
) -> list[int]:
    """The bodies (among ``body_ids``; None: all) that have a current non-public decision
    ``clearance`` does not allow. It depends on the records only, never on a question."""
    if clearance.everything:
        return []
    query = (
        select(Meeting.body_id)
        .distinct()
        .select_from(Decision)
        .join(AgendaItem, AgendaItem.id == Decision.agenda_item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(Decision.superseded_by_id.is_(None), non_public_clause())
    )
    if body_ids is not None:
        query = query.where(Meeting.body_id.in_(sorted(body_ids)))
    if clearance.body_ids:
        query = query.where(Meeting.body_id.not_in(sorted(clearance.body_ids)))
    return sorted(int(b) for b in session.scalars(query))
