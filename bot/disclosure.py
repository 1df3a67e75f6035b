"""Where a body's non-public content may go, and who may read it: the one disclosure rule.

Non-public content is an agenda item flagged private, a private material, or anything of a
meeting whose meeting or minutes disclosure is not public (非公開 / 一部非公開). It may be shown
in full only in a place that is both

1. a private channel or DM not shared with another organisation, asked afresh of Slack
   (:attr:`bot.slackinfo.ChannelInfo.safe_for_non_public`), and
2. a place of the body concerned: a channel that *belongs* to it (its own home channel, the
   home channel of its parent, or of any body under it at any depth), or the bot's 1:1 DM with
   a user who may read the body's non-public content (on its roster, or its secretariat — the
   secretariat of a body above it and a workspace admin included).

An answer only the requester sees (ephemeral) needs less: a requester who may read the body's
non-public content, in any private channel or DM not shared outside.

Everywhere else only the public version is shown: a non-public item reads 「（非公開）」 with its
reference and number. A :class:`Clearance` says which bodies a place may show in full, so one
answer about several bodies applies the rule per body; the single-body checks
(:func:`safe_place`, :func:`may_see_non_public`) are that same clearance asked about one body.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from bot.bodies import descendant_ids
from bot.permissions import Actor
from bot.slackinfo import ChannelInfo, channel_info
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
    if not channel.get("is_im") or channel.get("is_mpim"):
        return False, None
    user = channel.get("user")
    return True, str(user) if user else None


def place_clearance(
    session: Session, client: WebClient, where: ChannelInfo, *, reader: Actor | None
) -> Clearance:
    """What the place ``where`` (fresh from :func:`bot.slackinfo.channel_info`) may show.

    ``reader`` is who asked (None for the bot's own posts). A public or shared channel shows
    nothing non-public. A 1:1 DM shows what its user may read, and only when that user is the
    one who asked: whoever else names it gets nothing. A group DM has readers besides the
    requester, so it counts like any private channel, by the bodies it belongs to (in practice
    none, unless a body was set up there).
    """
    if not where.safe_for_non_public:
        return NO_CLEARANCE
    if where.is_im:
        one_to_one, partner = _dm_partner(client, where)
        if one_to_one:
            if reader is None or partner is None or partner != reader.user_id:
                return NO_CLEARANCE
            return reader_clearance(session, reader)
    return channel_clearance(session, where.channel_id)


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
            posts, which then go in full to the body's private channels only.
    """
    return clearance_for_place(session, client, channel_id, now, reader=reader).allows(body.id)


def safe_for_requester(
    session: Session, client: WebClient, body: Body, channel_id: str, reader: Actor, now: datetime
) -> bool:
    """Whether an answer only ``reader`` sees (ephemeral, in ``channel_id``) may carry
    ``body``'s non-public content.

    Nobody else reads it, so the channel need not be the body's; it must still be private (or a
    DM) and not shared with another organisation, and ``reader`` must be allowed to read it.
    """
    if not may_see_non_public(session, body, reader):
        return False
    return channel_info(session, client, channel_id, now, fresh=True).safe_for_non_public


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
