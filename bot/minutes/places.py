"""Where a body's non-public content may be shown (the "safe place" rule).

Non-public content — a non-public item or material, or anything of a meeting whose meeting or
minutes disclosure is not public — goes only to a private channel not shared with another
organisation that belongs to the body concerned (its own channel, its parent's or a sub-body's
channel), or to a DM with someone on the body's roster or its secretariat. Everywhere else
only the public version.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.permissions import secretariat_of
from bot.slackinfo import ChannelInfo, channel_info
from storage.models import Body, RosterEntry, SlackUser


def body_channels(session: Session, body: Body) -> set[str]:
    """The channels that belong to ``body``: its own, its parent's and its sub-bodies'."""
    channels = {body.channel_id}
    if body.parent is not None:
        channels.add(body.parent.channel_id)
    children = session.scalars(select(Body.channel_id).where(Body.parent_id == body.id)).all()
    channels.update(children)
    return {c for c in channels if c}


def trusted_reader(session: Session, body: Body, user_id: str) -> bool:
    """Whether ``user_id`` may read the body's non-public content in a DM.

    Someone on the roster, or the secretariat (a workspace admin counts by the cached flag:
    this must not wait on Slack).
    """
    on_roster = session.scalar(
        select(RosterEntry.id).where(RosterEntry.body_id == body.id, RosterEntry.user_id == user_id)
    )
    if on_roster is not None or secretariat_of(session, body, user_id):
        return True
    return bool(session.scalar(select(SlackUser.is_admin).where(SlackUser.user_id == user_id)))


def safe_for_body(session: Session, body: Body, where: ChannelInfo, *, reader: str | None) -> bool:
    """Whether the body's non-public content may be shown in the channel ``where`` describes
    (see :func:`safe_place`)."""
    if not where.safe_for_non_public:
        return False
    if where.is_im:
        # A group DM (is_mpim) has readers besides the requester: not a one-person place.
        one_to_one = where.channel_id.startswith("D")
        return one_to_one and reader is not None and trusted_reader(session, body, reader)
    return where.channel_id in body_channels(session, body)


def safe_place(
    session: Session,
    client: WebClient,
    body: Body,
    channel: str,
    now: datetime,
    *,
    reader: str | None = None,
) -> bool:
    """Whether the body's non-public content may be shown in ``channel``.

    Args:
        session: the unit of work.
        client: asks Slack afresh what kind of channel it is.
        body: whose content.
        channel: where it would go.
        now: the current time.
        reader: for a DM, the one person who reads it (the requester).
    """
    where = channel_info(session, client, channel, now, fresh=True)
    return safe_for_body(session, body, where, reader=reader)
