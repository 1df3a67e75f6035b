"""The workspace a ``LocalSlack`` serves: users, conversations and what was posted in them.

Not thread-safe on its own: ``LocalSlack`` holds one lock around every use.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from bot.localslack.models import ChannelKind, Message, ResponsePost, SharedFile, View

CHANNEL_KINDS: tuple[ChannelKind, ...] = ("public", "private", "shared", "im", "mpim")
FIRST_TS_MICROS = 1_700_000_000_000_100
CREATED = 1_700_000_000


@dataclass(frozen=True)
class User:
    """A workspace member as ``users.info`` describes it."""

    id: str
    name: str
    real_name: str = ""
    display_name: str = ""
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    locale: str = "ja-JP"
    tz: str = "Asia/Tokyo"
    deleted: bool = False
    email: str | None = None

    def to_slack(self, team_id: str, *, include_locale: bool) -> dict[str, Any]:
        """The ``user`` object of ``users.info``."""
        real_name = self.real_name or self.name
        profile: dict[str, Any] = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": self.display_name,
            "display_name_normalized": self.display_name,
            "team": team_id,
        }
        if self.email:
            profile["email"] = self.email
        out: dict[str, Any] = {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": real_name,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": 32400 if self.tz == "Asia/Tokyo" else 0,
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": CREATED,
        }
        if include_locale:
            out["locale"] = self.locale
        return out


@dataclass
class Channel:
    """A conversation: a channel, a DM (``im``) or a group DM (``mpim``)."""

    id: str
    name: str
    kind: ChannelKind
    members: list[str] = field(default_factory=list)
    bot_member: bool = True
    private: bool | None = None
    archived: bool = False
    user: str | None = None

    @property
    def is_private(self) -> bool:
        if self.private is not None:
            return self.private
        return self.kind in ("private", "im", "mpim")

    def to_slack(self, team_id: str, bot_user_id: str) -> dict[str, Any]:
        """The ``channel`` object of ``conversations.info``."""
        is_im = self.kind == "im"
        shared = self.kind == "shared"
        out: dict[str, Any] = {
            "id": self.id,
            "created": CREATED,
            "is_archived": self.archived,
            "is_channel": self.kind in ("public", "private", "shared"),
            "is_group": False,
            "is_im": is_im,
            "is_mpim": self.kind == "mpim",
            "is_private": self.is_private,
            "is_general": False,
            "is_shared": shared,
            "is_ext_shared": shared,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "context_team_id": team_id,
        }
        if is_im:
            out.update(user=self.user, is_user_deleted=False, priority=0, is_open=True)
            return out
        out.update(
            name=self.name,
            name_normalized=self.name,
            creator=bot_user_id,
            is_member=self.bot_member,
            topic={"value": "", "creator": "", "last_set": 0},
            purpose={"value": "", "creator": "", "last_set": 0},
            num_members=len(self.members) + (1 if self.bot_member else 0),
            shared_team_ids=[team_id, "T0EXTERNAL"] if shared else [team_id],
        )
        return out


class Workspace:
    """Directory (users, conversations) plus everything posted, and id generators."""

    def __init__(
        self,
        *,
        team_id: str,
        team_name: str,
        bot_user_id: str,
        bot_id: str,
        app_id: str,
        enforce_membership: bool,
        auto_channels: bool,
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.enforce_membership = enforce_membership
        self.auto_channels = auto_channels
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.clear_activity()

    def clear_activity(self) -> None:
        """Forget everything posted; keep users and channels."""
        self.messages: dict[tuple[str, str], Message] = {}
        self.ephemerals: list[Message] = []
        self.files: dict[str, SharedFile] = {}
        self.views: dict[str, View] = {}
        self.home: dict[str, list[View]] = {}
        self.responses: list[ResponsePost] = []
        self.response_urls: dict[str, tuple[str | None, str | None]] = {}
        # Timestamps and ids keep counting across a reset: Slack never reuses a ts, and a bot
        # that remembers one from before the reset must not reach a new message with it.
        if not hasattr(self, "_ts"):
            self._ts = itertools.count(FIRST_TS_MICROS, 100)
            self._ids = itertools.count(1)

    def next_ts(self) -> str:
        micros = next(self._ts)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def add_user(self, user: User) -> None:
        self.users[user.id] = user

    def add_channel(self, channel: Channel) -> None:
        if channel.kind not in CHANNEL_KINDS:
            raise ValueError(f"kind must be one of {CHANNEL_KINDS}, not {channel.kind!r}")
        self.channels[channel.id] = channel

    def dm_with(self, user_id: str) -> Channel:
        """The bot's DM with ``user_id``, opened on first use (``D…`` + the user id's tail)."""
        for channel in self.channels.values():
            if channel.kind == "im" and channel.user == user_id:
                return channel
        channel_id = f"D{user_id[1:]}"
        if channel_id in self.channels:
            channel_id = self.next_id("D")
        channel = Channel(channel_id, "", "im", members=[user_id], user=user_id)
        self.channels[channel_id] = channel
        return channel

    def channel(self, channel_id: str) -> Channel | None:
        """The conversation with this id; a user id means the DM with that user."""
        found = self.channels.get(channel_id)
        if found is None and channel_id[:1] in ("U", "W") and channel_id in self.users:
            found = self.dm_with(channel_id)
        if found is None and self.auto_channels and channel_id[:1] in ("C", "G"):
            found = Channel(channel_id, channel_id.lower(), "public")
            self.channels[channel_id] = found
        return found

    def add_message(self, message: Message) -> None:
        self.messages[(message.channel, message.ts)] = message

    def replace_message(self, message: Message) -> None:
        self.messages[(message.channel, message.ts)] = message
