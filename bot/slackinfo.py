"""Facts about Slack users and channels, cached in the database.

Permission checks run before a command is acknowledged, so they must not wait on Slack for
every request: the admin flag is cached for an hour. Channel facts decide where non-public
content may go, so callers that disclose ask for a fresh answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import SlackChannel, SlackUser

log = logging.getLogger(__name__)

USER_TTL = timedelta(hours=1)
CHANNEL_TTL = timedelta(minutes=10)


@dataclass(frozen=True)
class UserInfo:
    user_id: str
    name: str | None
    is_admin: bool
    locale: str | None


@dataclass(frozen=True)
class ChannelInfo:
    channel_id: str
    name: str | None
    is_private: bool
    is_im: bool
    is_ext_shared: bool

    @property
    def safe_for_non_public(self) -> bool:
        """A private channel (or DM) not shared with another organisation."""
        return (self.is_private or self.is_im) and not self.is_ext_shared


def user_info(session: Session, client: WebClient, user_id: str, now: datetime) -> UserInfo:
    """Who ``user_id`` is; asks Slack only when the cached answer is older than an hour."""
    row = session.get(SlackUser, user_id)
    if row is None or now - row.fetched_at > USER_TTL:
        row = _store_user(session, row, user_id, fetch_user(client, user_id), now)
    if row is None:
        return UserInfo(user_id=user_id, name=None, is_admin=False, locale=None)
    return UserInfo(user_id=user_id, name=row.name, is_admin=row.is_admin, locale=row.locale)


def refresh_user(
    unit_of_work: Callable[[], AbstractContextManager[Session]],
    client: WebClient,
    user_id: str,
    now: datetime,
) -> None:
    """Make the cached answer about ``user_id`` fresh, asking Slack between two units of work
    (``unit_of_work``: ``Deps.unit_of_work``), never inside one."""
    with unit_of_work() as session:
        row = session.get(SlackUser, user_id)
        if row is not None and now - row.fetched_at <= USER_TTL:
            return
    user = fetch_user(client, user_id)
    with unit_of_work() as session:
        _store_user(session, session.get(SlackUser, user_id), user_id, user, now)


def fetch_user(client: WebClient, user_id: str) -> dict[str, Any] | None:
    """Slack's users.info about ``user_id``; None when Slack cannot be asked."""
    try:
        return dict(client.users_info(user=user_id, include_locale=True)["user"])
    except SlackApiError as exc:
        log.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
        return None


def _store_user(
    session: Session,
    row: SlackUser | None,
    user_id: str,
    user: dict[str, Any] | None,
    now: datetime,
) -> SlackUser | None:
    if user is None:
        return row
    if row is None:
        row = _cached_row(session, SlackUser, user_id, now)
    row.name = (user.get("profile") or {}).get("display_name") or user.get("name")
    row.is_admin = bool(user.get("is_admin") or user.get("is_owner"))
    row.locale = user.get("locale")
    row.fetched_at = now
    return row


def channel_info(
    session: Session, client: WebClient, channel_id: str, now: datetime, *, fresh: bool = False
) -> ChannelInfo:
    """What kind of channel ``channel_id`` is.

    When Slack cannot be asked, the channel is treated as public and shared: the safe answer
    for anything non-public.
    """
    row = session.get(SlackChannel, channel_id)
    if row is None or fresh or now - row.fetched_at > CHANNEL_TTL:
        return store_channel(session, channel_id, fetch_channel(client, channel_id), now)
    return _channel_view(row)


def fetch_channel(client: WebClient, channel_id: str) -> dict[str, Any] | None:
    """Slack's conversations.info about ``channel_id``; None when Slack cannot be asked.

    Apart from :func:`store_channel`, so that a caller can ask Slack before it opens a
    transaction (no transaction should stay open while Slack answers).
    """
    try:
        return dict(client.conversations_info(channel=channel_id)["channel"])
    except SlackApiError as exc:
        log.warning("conversations.info failed for %s: %s", channel_id, exc.response.get("error"))
        return None


def store_channel(
    session: Session, channel_id: str, channel: dict[str, Any] | None, now: datetime
) -> ChannelInfo:
    """Cache what :func:`fetch_channel` found; without an answer, public and shared."""
    if channel is None:
        return ChannelInfo(channel_id, None, is_private=False, is_im=False, is_ext_shared=True)
    row = session.get(SlackChannel, channel_id) or _cached_row(
        session, SlackChannel, channel_id, now
    )
    row.name = channel.get("name")
    row.is_im = bool(channel.get("is_im") or channel.get("is_mpim"))
    row.is_private = bool(channel.get("is_private") or row.is_im)
    # Org-wide sharing stays inside one organisation; external sharing does not.
    row.is_ext_shared = bool(channel.get("is_ext_shared") or channel.get("is_pending_ext_shared"))
    row.fetched_at = now
    return _channel_view(row)


def _channel_view(row: SlackChannel) -> ChannelInfo:
    return ChannelInfo(
        channel_id=row.channel_id,
        name=row.name,
        is_private=row.is_private,
        is_im=row.is_im,
        is_ext_shared=row.is_ext_shared,
    )


_Row = TypeVar("_Row", SlackUser, SlackChannel)


def _cached_row(session: Session, model: type[_Row], key: str, now: datetime) -> _Row:
    """The cache row for ``key``, inserted if missing.

    Two requests about a new user or channel may both miss the cache (one instance's
    threads, or several instances): the insert ignores a row another one added first, so
    neither request fails on the primary key.
    """
    column = "user_id" if model is SlackUser else "channel_id"
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(model).values({column: key, "fetched_at": now}).on_conflict_do_nothing())
    row = session.get(model, key, populate_existing=True)
    assert row is not None  # inserted above, or by the request that came first
    return row
