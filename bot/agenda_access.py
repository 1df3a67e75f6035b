"""Where an agenda's non-public content may be shown (the safe-channel rule).

Non-public content (an item flagged private, a private material, or any item of a meeting
whose meeting or minutes disclosure is not public) may be posted only in a private channel
not shared with another organisation that belongs to the body concerned (its own home
channel, a sub-body's or its parent's), or in a DM with a user on the body's roster or its
secretariat. An answer only the requester sees carries it only when the requester is such a
user and the channel is private and not shared. Everywhere else: the public version.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.bodies import descendant_ids
from bot.permissions import Actor, is_secretariat
from bot.slackinfo import channel_info
from storage.models import AgendaItem, Body, Meeting, RosterEntry


def is_non_public_meeting(meeting: Meeting) -> bool:
    """Whether the meeting or its minutes are 非公開 / 一部非公開 (every item then is)."""
    return meeting.disclosure != "public" or meeting.minutes_disclosure != "public"


def is_non_public_item(item: AgendaItem) -> bool:
    """Whether ``item`` is non-public: flagged so, or of a non-public meeting."""
    return item.private or is_non_public_meeting(item.meeting)


def body_channel_ids(session: Session, body: Body) -> set[str]:
    """The channels that belong to ``body``: its own, its sub-bodies' and its parent's."""
    ids = set(
        session.scalars(
            select(Body.channel_id).where(Body.id.in_(descendant_ids(session, body)))
        ).all()
    )
    if body.parent is not None:
        ids.add(body.parent.channel_id)
    return ids


def may_see_non_public(session: Session, body: Body, actor: Actor) -> bool:
    """Whether ``actor`` is on ``body``'s roster or its secretariat (or a workspace admin)."""
    on_roster = session.scalar(
        select(RosterEntry.id)
        .where(RosterEntry.body_id == body.id, RosterEntry.user_id == actor.user_id)
        .limit(1)
    )
    return on_roster is not None or is_secretariat(session, body, actor)


def public_only_in_channel(
    session: Session,
    client: WebClient,
    body: Body,
    channel: str,
    now: datetime,
    *,
    dm_user: Actor | None = None,
) -> bool:
    """Whether a post in ``channel`` about ``body`` must be the public version.

    Slack is asked afresh what kind of channel it is (it may have been shared since);
    when it cannot say, the channel counts as public. A DM is safe only with ``dm_user``
    named and allowed to see the body's non-public content.
    """
    info = channel_info(session, client, channel, now, fresh=True)
    if not info.safe_for_non_public:
        return True
    if info.is_im:
        return dm_user is None or not may_see_non_public(session, body, dm_user)
    return channel not in body_channel_ids(session, body)


def public_only_for_requester(
    session: Session, client: WebClient, body: Body, channel: str, actor: Actor, now: datetime
) -> bool:
    """Whether an answer only ``actor`` sees (ephemeral, in ``channel``) must be public.

    The full version needs both: ``actor`` may see the body's non-public content, and the
    channel is private (or a DM) and not shared with another organisation.
    """
    if not may_see_non_public(session, body, actor):
        return True
    return not channel_info(session, client, channel, now, fresh=True).safe_for_non_public
