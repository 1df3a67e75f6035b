"""Where a decision's non-public details may be shown: the disclosure rule for decisions.

A decision is non-public when its agenda item is, or when its meeting or the meeting's minutes
are 非公開 / 一部非公開. Its details (title, text, owner, due date, resolution) may be shown only
in a place that is both

1. a private channel or DM not shared with another organisation
   (:attr:`bot.slackinfo.ChannelInfo.safe_for_non_public`), and
2. a place of the decision's body: a private channel that is the home channel of that body,
   of a sub-body (at any depth) or of its parent, or the bot's DM with a user on that body's
   roster or its secretariat (:func:`bot.permissions.is_secretariat`, so a workspace admin
   too).

The rule holds per decision, not per answer: one answer may show one body's decision in full
and another's as 「（非公開）」. A :class:`Clearance` is what a place was found to allow.
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
from bot.slackinfo import channel_info, user_info
from storage.models import AgendaItem, Body, Decision, Meeting, RosterEntry, SlackUser

log = logging.getLogger(__name__)
_CHUNK = 500


@dataclass(frozen=True)
class Clearance:
    """The bodies whose non-public decisions a place may show in full."""

    body_ids: frozenset[int] = frozenset()
    everything: bool = False

    def allows(self, body_id: int) -> bool:
        """Whether non-public decisions of ``body_id`` may be shown here."""
        return self.everything or body_id in self.body_ids


NO_CLEARANCE = Clearance()
FULL_CLEARANCE = Clearance(everything=True)


def non_public_clause() -> ColumnElement[bool]:
    """SQL for "the item is non-public" (join AgendaItem to Meeting); mirrors
    :attr:`bot.decisions.DecisionView.non_public`."""
    return or_(
        AgendaItem.private.is_(True),
        Meeting.disclosure != "public",
        Meeting.minutes_disclosure != "public",
    )


def clearance_for_channel(session: Session, channel_id: str) -> Clearance:
    """What a private, unshared channel may show: the bodies it is home to, the bodies
    directly under them (it is their parent's channel) and every body above them (it is the
    channel of one of their sub-bodies) — the same channels :mod:`bot.agenda_access` counts
    as a body's."""
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


def clearance_for_user(session: Session, user_id: str, *, is_admin: bool) -> Clearance:
    """What the bot's DM with ``user_id`` may show: the bodies on whose roster the user is,
    and those the user runs as secretariat (with the bodies under them, as
    :func:`bot.permissions.secretariat_of` counts them). A workspace admin is the
    secretariat of every body."""
    if is_admin:
        return FULL_CLEARANCE
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
    return Clearance(frozenset(cleared))


def known_admin(session: Session, user_id: str) -> bool:
    """Whether ``user_id`` was a workspace admin when Slack was last asked (no Web API call;
    an unknown user is not)."""
    row = session.get(SlackUser, user_id)
    return bool(row and row.is_admin)


def _dm_user(client: WebClient, channel_id: str) -> str | None:
    """The other member of the bot's 1:1 DM ``channel_id`` (None for a group DM or when
    Slack cannot say)."""
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as exc:
        log.warning("conversations.info failed for %s: %s", channel_id, exc.response.get("error"))
        return None
    if not channel.get("is_im") or channel.get("is_mpim"):
        return None
    user = channel.get("user")
    return str(user) if user else None


def clearance_for_place(
    session: Session, client: WebClient, channel_id: str, user_id: str | None, now: datetime
) -> Clearance:
    """What ``channel_id`` may show, asked afresh of Slack.

    ``user_id`` is who asked (None for the bot's own posts). A public or shared channel shows
    nothing non-public. A 1:1 DM counts only as the DM of the user who asked; a group DM or any
    other private channel counts by the bodies it is home to.
    """
    info = channel_info(session, client, channel_id, now, fresh=True)
    if not info.safe_for_non_public:
        return NO_CLEARANCE
    if info.is_im:
        partner = _dm_user(client, channel_id)
        if partner is not None:
            if user_id is None or partner != user_id:
                return NO_CLEARANCE
            admin = user_info(session, client, user_id, now).is_admin
            return clearance_for_user(session, user_id, is_admin=admin)
    return clearance_for_channel(session, channel_id)


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
